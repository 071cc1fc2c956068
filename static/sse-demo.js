/*
 * Seed 000's /sse demo, fixed. The stream sends unnamed `data:` messages of types connection, heartbeat, error,
 * close and raw, plus JSON-RPC data messages (no `type`). The seed page appended them with innerHTML unescaped; here
 * every message is inserted with textContent. When the stream does not exist or is refused, EventSource gives up
 * (readyState CLOSED) and the page says so instead of retrying forever.
 */
/* global EventSource */
'use strict'

;(function () {
  const MAX_MESSAGES = 500
  // Seed 000 sends a heartbeat every 30 s; after two missed ones the connection is probably dead.
  const STALE_AFTER_MS = 65000

  const $ = (id) => document.getElementById(id)
  const el = {
    status: $('status'),
    count: $('count'),
    uptime: $('uptime'),
    lastHeartbeat: $('last-heartbeat'),
    connect: $('connect'),
    disconnect: $('disconnect'),
    clear: $('clear'),
    detail: $('detail'),
    messages: $('messages'),
    empty: $('empty')
  }

  let source = null
  let count = 0
  let openedAt = null
  let lastMessageAt = null
  let ticker = null

  function setStatus (state, text, detail) {
    el.status.dataset.state = state
    el.status.className = 'badge badge-' + state
    el.status.textContent = text
    el.detail.textContent = detail || ''
  }

  function formatDuration (ms) {
    const s = Math.floor(ms / 1000)
    const h = Math.floor(s / 3600)
    const m = Math.floor((s % 3600) / 60)
    const pad = (n) => String(n).padStart(2, '0')
    return (h > 0 ? h + ':' + pad(m) : m) + ':' + pad(s % 60)
  }

  function tick () {
    el.uptime.textContent = openedAt === null ? '–' : formatDuration(Date.now() - openedAt)
    if (source !== null && source.readyState === EventSource.OPEN && lastMessageAt !== null && Date.now() - lastMessageAt > STALE_AFTER_MS) {
      setStatus('connecting', 'Stale', 'No message for ' + formatDuration(Date.now() - lastMessageAt) + '; the connection may be cut by a proxy.')
    }
  }

  /** Seed 000's message types; a message without `type` carrying `jsonrpc` is a data message. */
  function kindOf (data) {
    if (data === null || typeof data !== 'object') return 'raw'
    if (typeof data.type === 'string') return data.type
    if (data.jsonrpc === '2.0') return 'data'
    return 'unknown'
  }

  function addMessage (kind, body) {
    const item = document.createElement('li')
    item.className = 'message'
    item.dataset.type = kind
    const time = document.createElement('time')
    time.className = 'log-time'
    time.textContent = new Date().toLocaleTimeString()
    const tag = document.createElement('span')
    tag.className = 'tag tag-' + kind.replace(/[^a-z_]/gi, '')
    tag.textContent = kind
    const pre = document.createElement('pre')
    pre.textContent = body
    item.append(time, tag, pre)
    el.messages.append(item)
    while (el.messages.children.length > MAX_MESSAGES) el.messages.firstElementChild.remove()
    el.messages.scrollTop = el.messages.scrollHeight
    el.empty.hidden = true
  }

  function onMessage (event) {
    count += 1
    lastMessageAt = Date.now()
    el.count.textContent = String(count)
    let data
    try {
      data = JSON.parse(event.data)
    } catch {
      addMessage('raw', event.data)
      return
    }
    const kind = kindOf(data)
    if (kind === 'connection') setStatus('open', 'Connected', '')
    if (kind === 'heartbeat') {
      el.lastHeartbeat.textContent = new Date(data.timestamp || Date.now()).toLocaleTimeString()
      setStatus('open', 'Connected', '')
    }
    if (kind === 'close') setStatus('closed', 'Closed by server', 'Exit code ' + String(data.code))
    if (kind === 'raw' && typeof data.content === 'string') {
      addMessage('raw', data.content)
      return
    }
    if (kind === 'error' && typeof data.message === 'string') {
      addMessage('error', data.message)
      return
    }
    addMessage(kind, JSON.stringify(data, null, 2))
  }

  function connect () {
    if (source !== null) return
    setStatus('connecting', 'Connecting…', 'GET /sse')
    source = new EventSource('sse')
    el.connect.disabled = true
    el.disconnect.disabled = false
    source.onopen = () => {
      openedAt = Date.now()
      lastMessageAt = Date.now()
      setStatus('open', 'Connected', '')
    }
    source.onmessage = onMessage
    source.onerror = () => {
      if (source === null) return
      if (source.readyState === EventSource.CLOSED) {
        // The response was not an event stream (404, 401, 503…): EventSource will not retry.
        const wasOpen = openedAt !== null
        stop()
        setStatus('error', 'Unavailable', wasOpen
          ? 'The stream ended and could not be reopened.'
          : 'GET /sse was refused or is not served by this server.')
        addMessage('error', wasOpen ? 'Stream closed; reconnection refused by the server.' : 'Could not open /sse: the server refused the stream or does not serve it.')
      } else {
        openedAt = null
        setStatus('connecting', 'Reconnecting…', 'The connection dropped; the browser is retrying.')
      }
    }
  }

  function stop () {
    if (source !== null) source.close()
    source = null
    openedAt = null
    el.connect.disabled = false
    el.disconnect.disabled = true
    tick()
  }

  el.connect.addEventListener('click', connect)
  el.disconnect.addEventListener('click', () => {
    stop()
    setStatus('closed', 'Disconnected', '')
  })
  el.clear.addEventListener('click', () => {
    el.messages.replaceChildren()
    count = 0
    el.count.textContent = '0'
    el.empty.hidden = false
  })
  window.addEventListener('pagehide', stop)
  ticker = setInterval(tick, 1000)
  window.addEventListener('pagehide', () => clearInterval(ticker))
  connect()
})()
