/*
 * What the pages in static/ share (the chat index.html, studio.html, sse-demo.html), loaded before each page's own
 * script: the header's links between the pages, the access token a person enters (kept for the tab, one key for every
 * page), JSON POSTs that carry it, elements built with textContent only (server text is never markup: seed 000's
 * demo page put server messages into innerHTML unescaped) and the connection badge.
 * Plain JS, no build step; URLs are relative so the pages also work behind a path prefix.
 */
/* global location, sessionStorage */
'use strict'

window.chartImgPage = (function () {
  // sessionStorage: the token lives as long as the tab, never in a cookie or on disk beyond the browser session.
  const TOKEN_KEY = 'chart-img-mcp.token'
  const TOKEN_SETTLE_MS = 400
  /** The header's links, in this order on every page; `data-page` on <body> names the page a person is on. */
  const PAGES = [
    { page: 'chat', href: './', label: 'Chat' },
    { page: 'studio', href: 'studio', label: 'Chart studio' },
    { page: 'sse-demo', href: 'sse-demo.html', label: '/sse demo' },
    { page: 'docs', href: 'docs', label: 'API docs' }
  ]

  function node (tag, className, text) {
    const n = document.createElement(tag)
    if (className) n.className = className
    if (text !== undefined && text !== null) n.textContent = String(text)
    return n
  }

  /** Sets a `.badge` element's state (idle, connecting, open, closed, error) and its words. */
  function setBadge (badge, state, text) {
    badge.dataset.state = state
    badge.className = 'badge badge-' + state
    badge.textContent = text
  }

  function storedToken () {
    try {
      return sessionStorage.getItem(TOKEN_KEY) || ''
    } catch {
      return '' // storage disabled: the token field still works for this page
    }
  }

  function storeToken (token) {
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token)
      else sessionStorage.removeItem(TOKEN_KEY)
    } catch {}
  }

  /**
   * A token field: shows the token kept for the tab; typing stores it and calls `onSettled(token)` once the typing
   * pauses. Returns a function that reads the field's token.
   */
  function bindTokenField (input, onSettled) {
    input.value = storedToken()
    let timer = null
    input.addEventListener('input', () => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        storeToken(input.value.trim())
        onSettled(input.value.trim())
      }, TOKEN_SETTLE_MS)
    })
    return () => input.value.trim()
  }

  /**
   * POSTs `payload` as JSON with the tab's token (or `options.token`) as a bearer token and reads the answer:
   * resolves `{ response, body }`, `body` being null when the answer is not JSON (a 202 has none). Rejects only when
   * the request cannot be sent, or after `options.timeoutMs` (an AbortError).
   */
  async function postJson (url, payload, options = {}) {
    const token = options.token === undefined ? storedToken() : options.token
    const headers = { 'content-type': 'application/json', accept: 'application/json', ...options.headers }
    if (token) headers.authorization = 'Bearer ' + token
    const abort = new AbortController()
    const timer = options.timeoutMs ? setTimeout(() => abort.abort(), options.timeoutMs) : null
    try {
      const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(payload), signal: abort.signal })
      let body = null
      try { body = await response.json() } catch {}
      return { response, body }
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * An image link from the server as an <img> source, or null: only http(s) URLs; our own /charts/ images named under
   * another origin (PUBLIC_URL behind a proxy) are loaded from this page's origin.
   */
  function safeImageUrl (value) {
    try {
      const url = new URL(value, location.href)
      if (url.origin !== location.origin && url.pathname.startsWith('/charts/')) return url.pathname
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null
    } catch {
      return null
    }
  }

  /** Fills the header's <nav class="pages"> with the links to the other pages; the current one is marked. */
  function fillNav () {
    const nav = document.querySelector('nav.pages')
    if (!nav) return
    const current = document.body.dataset.page
    for (const { page, href, label } of PAGES) {
      const link = node('a', null, label)
      link.id = page + '-link'
      link.href = href
      if (page === current) link.setAttribute('aria-current', 'page')
      nav.append(link)
    }
  }

  fillNav()
  return { node, setBadge, bindTokenField, postJson, safeImageUrl }
})()
