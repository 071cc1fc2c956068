/*
 * Seed 000's /sse demo, fixed. The stream sends unnamed `data:` messages of types connection, heartbeat, error,
 * close and raw, plus JSON-RPC data messages (no `type`). The seed page appended them with innerHTML unescaped; here
 * every message is inserted with textContent. When the stream does not exist or is refused, EventSource gives up
 * (readyState CLOSED) and the page says so instead of retrying forever.
 *
 * The stream is a session (routes/sse-stream.ts): the connection message names `messagesUrl`; the buttons POST
 * JSON-RPC requests there and the answers, with their progress, arrive on the stream and are shown readably in
 * "Send a request". Completed charts on the stream (this page's and those other clients made) appear under "Charts".
 */
/* global EventSource */
'use strict'

;(function () {
  const { node, setBadge, postJson, safeImageUrl } = window.chartImgPage
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
    empty: $('empty'),
    messagesUrl: $('messages-url'),
    listTools: $('list-tools'),
    chartForm: $('chart-form'),
    makeChart: $('make-chart'),
    symbol: $('symbol'),
    interval: $('interval'),
    answers: $('answers'),
    charts: $('charts'),
    chartsEmpty: $('charts-empty')
  }
  const MAX_ANSWERS = 20
  const MAX_CHARTS = 24

  let source = null
  let count = 0
  let openedAt = null
  let lastMessageAt = null
  let ticker = null
  /** Where this stream takes requests (from its connection message); null while not connected. */
  let messagesUrl = null
  let nextId = 1
  /** Open requests of this stream, by JSON-RPC id: their entry in "Send a request". */
  const pending = new Map()
  const chartsShown = new Set()

  function setStatus (state, text, detail) {
    setBadge(el.status, state, text)
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
    const item = node('li', 'message')
    item.dataset.type = kind
    const time = node('time', 'log-time', new Date().toLocaleTimeString())
    const tag = node('span', 'tag tag-' + kind.replace(/[^a-z_]/gi, ''), kind)
    item.append(time, tag, typeof body === 'string' ? node('pre', null, body) : body)
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
    if (kind === 'connection') {
      setStatus('open', 'Connected', '')
      setMessagesUrl(typeof data.messagesUrl === 'string' ? data.messagesUrl : null)
    }
    if (kind === 'data') {
      onData(data)
      addMessage(kind, describeData(data))
      return
    }
    if (kind === 'heartbeat') {
      el.lastHeartbeat.textContent = new Date(data.timestamp || Date.now()).toLocaleTimeString()
      setStatus('open', 'Connected', '')
    }
    if (kind === 'close') {
      setStatus('closed', 'Closed by server', 'Exit code ' + String(data.code))
      setMessagesUrl(null)
    }
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
        setMessagesUrl(null)
        setStatus('connecting', 'Reconnecting…', 'The connection dropped; the browser is retrying.')
      }
    }
  }

  function stop () {
    if (source !== null) source.close()
    source = null
    setMessagesUrl(null)
    openedAt = null
    el.connect.disabled = false
    el.disconnect.disabled = true
    tick()
  }

  // ---- the session: requests and their answers -----------------------------------------------------------------

  /** A new stream (connect, reconnect) has a new messagesUrl; answers to the old one's requests will never come. */
  function setMessagesUrl (url) {
    messagesUrl = url
    el.messagesUrl.textContent = url === null ? '(not connected)' : url
    el.listTools.disabled = url === null
    el.makeChart.disabled = url === null
    if (url === null) {
      for (const entry of pending.values()) settle(entry, 'error', 'The stream closed before the answer arrived.')
      pending.clear()
    }
  }

  function newAnswer (title) {
    const item = node('li', 'answer')
    item.dataset.state = 'pending'
    const head = node('div', 'answer-head')
    const state = node('span', 'answer-state', 'sent, waiting for the answer on the stream…')
    head.append(node('strong', null, title), state)
    const body = node('div')
    item.append(head, body)
    el.answers.prepend(item)
    while (el.answers.children.length > MAX_ANSWERS) el.answers.lastElementChild.remove()
    return { item, state, body, bar: null }
  }

  function settle (entry, state, text) {
    entry.item.dataset.state = state
    entry.state.textContent = text
    if (entry.bar !== null && state !== 'progress') entry.bar.remove()
  }

  /** JSON behind a "JSON" disclosure. */
  function jsonDetails (text) {
    const details = node('details')
    details.append(node('summary', null, 'JSON'), node('pre', null, text))
    return details
  }

  async function send (method, params, title) {
    if (messagesUrl === null) return
    const id = nextId++
    const entry = newAnswer(title)
    entry.item.dataset.id = String(id)
    entry.item.dataset.method = method
    pending.set(id, entry)
    // Relative to this page ("./sse/…"), so the demo also works under a path prefix behind a proxy. The token is the
    // one a person entered in the chart studio or the chat, kept for the tab (static/common.js).
    const url = '.' + messagesUrl
    try {
      const { response, body } = await postJson(url, { jsonrpc: '2.0', id, method, params })
      if (response.status === 202) return
      let message = 'HTTP ' + response.status
      if (body && body.error && typeof body.error.message === 'string') message = body.error.message
      if (response.status === 401) message += ' — enter the token in the chart studio first; this page uses it.'
      pending.delete(id)
      settle(entry, 'error', 'refused: ' + message)
    } catch (error) {
      pending.delete(id)
      settle(entry, 'error', 'could not send: ' + (error && error.message ? error.message : String(error)))
    }
  }

  /** A JSON-RPC message from the stream: an answer to one of this page's requests, or a notification. */
  function onData (data) {
    if (data.method === 'notifications/progress' && data.params) {
      const entry = pending.get(Number(String(data.params.progressToken).replace(/^req-/, '')))
      if (entry === undefined) return
      if (entry.bar === null) {
        entry.bar = node('progress')
        entry.body.prepend(entry.bar)
      }
      entry.bar.max = Number(data.params.total) || 100
      entry.bar.value = Number(data.params.progress) || 0
      settle(entry, 'progress', (data.params.message || 'working') + ' (' + entry.bar.value + '/' + entry.bar.max + ')')
      return
    }
    if (data.method === 'notifications/chart_progress' && data.params && data.params.data) {
      const chart = data.params.data
      if (chart.status === 'completed' && typeof chart.imageUrl === 'string') showChart(data.params.requestId, chart)
      return
    }
    if (data.id === undefined || !pending.has(data.id)) return
    const entry = pending.get(data.id)
    pending.delete(data.id)
    if (data.error) {
      settle(entry, 'error', 'failed')
      entry.body.append(node('p', null, data.error.message + ' (JSON-RPC ' + data.error.code + ')'))
      return
    }
    renderResult(entry, data.result || {})
  }

  function renderResult (entry, result) {
    if (Array.isArray(result.tools)) {
      settle(entry, 'done', result.tools.length + ' tools')
      const list = node('ul', 'tool-list')
      for (const tool of result.tools) {
        const item = node('li')
        item.append(node('code', null, tool.name), ' — ' + (tool.title || tool.description || ''))
        list.append(item)
      }
      entry.body.append(list)
      return
    }
    if (Array.isArray(result.content)) {
      settle(entry, result.isError ? 'error' : 'done', result.isError ? 'the tool reported a failure' : 'done')
      for (const block of result.content) {
        if (block.type === 'text') entry.body.append(node('p', null, block.text))
        if (block.type === 'image' && /^image\/(png|jpeg)$/.test(block.mimeType) && /^[A-Za-z0-9+/=]+$/.test(block.data)) {
          const img = node('img')
          img.alt = 'chart'
          img.src = 'data:' + block.mimeType + ';base64,' + block.data
          entry.body.append(img)
        }
      }
      return
    }
    settle(entry, 'done', 'done')
    if (result.serverInfo) entry.body.append(node('p', null, 'Server ' + result.serverInfo.name + ' ' + result.serverInfo.version + ', protocol ' + result.protocolVersion))
    entry.body.append(jsonDetails(JSON.stringify(result, null, 2)))
  }

  function showChart (requestId, chart) {
    const src = safeImageUrl(chart.imageUrl)
    if (src === null || chartsShown.has(requestId)) return
    chartsShown.add(requestId)
    const figure = node('figure')
    const link = node('a')
    link.href = src
    link.target = '_blank'
    link.rel = 'noopener'
    const img = node('img')
    img.alt = 'chart of ' + chart.symbol
    img.loading = 'lazy'
    img.src = src
    link.append(img)
    const caption = node('figcaption', null, chart.symbol + ' · ' + new Date().toLocaleTimeString())
    figure.append(link, caption)
    el.charts.prepend(figure)
    while (el.charts.children.length > MAX_CHARTS) el.charts.lastElementChild.remove()
    el.chartsEmpty.hidden = true
  }

  /** One line a person reads for a JSON-RPC message, with the JSON (long base64 shortened) behind a disclosure. */
  function describeData (data) {
    const box = node('div')
    const line = node('pre', 'summary-line', summarize(data))
    const shortened = JSON.stringify(data, (key, value) => key === 'data' && typeof value === 'string' && value.length > 120 ? value.slice(0, 60) + '… (' + value.length + ' characters)' : value, 2)
    box.append(line, jsonDetails(shortened))
    return box
  }

  function summarize (data) {
    const params = data.params || {}
    if (data.method === 'notifications/chart_progress' && params.data) {
      const chart = params.data
      return 'chart ' + chart.symbol + ' · ' + chart.status + ' — ' + (params.message || '') + (chart.error ? ' (' + chart.error + ')' : '')
    }
    if (data.method === 'notifications/progress') return 'progress ' + params.progress + '/' + (params.total || '?') + ' — ' + (params.message || '')
    if (typeof data.method === 'string') return 'notification ' + data.method
    if (data.error) return 'answer #' + data.id + ' failed: ' + data.error.message + ' (' + data.error.code + ')'
    const result = data.result || {}
    if (Array.isArray(result.tools)) return 'answer #' + data.id + ': ' + result.tools.length + ' tools — ' + result.tools.map((tool) => tool.name).join(', ')
    if (Array.isArray(result.content)) {
      const texts = result.content.filter((block) => block.type === 'text').map((block) => block.text)
      const images = result.content.filter((block) => block.type === 'image').length
      return 'answer #' + data.id + (result.isError ? ' (tool failure)' : '') + ': ' + texts.join(' ') + (images > 0 ? ' [' + images + ' image]' : '')
    }
    if (result.serverInfo) return 'answer #' + data.id + ': initialized ' + result.serverInfo.name + ' ' + result.serverInfo.version
    return 'answer #' + data.id
  }

  el.listTools.addEventListener('click', () => { send('tools/list', undefined, 'tools/list') })
  el.chartForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const symbol = el.symbol.value.trim()
    if (symbol === '') return
    const id = nextId
    send('tools/call', {
      name: 'generate_chart',
      arguments: { symbol, interval: el.interval.value },
      // Progress of this call comes back as notifications/progress with this token (MCP utilities/progress).
      _meta: { progressToken: 'req-' + id }
    }, 'generate_chart ' + symbol + ' ' + el.interval.value)
  })

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
