/*
 * Chart studio: calls the server's tools through POST mcp/tools/call (JSON-RPC, seed 004) with an X-Client-Id, and
 * watches that client's event channel mcp/events/<clientId> (named events connected, heartbeat, chart_progress).
 * Every piece of server text is inserted with textContent or DOM APIs, never innerHTML: seed 000's demo page put
 * server messages into innerHTML unescaped, which let a message run script in the page.
 * Plain JS, no build step, no external resources. URLs are relative so the page also works behind a path prefix.
 */
/* global EventSource, Option */
'use strict'

;(function () {
  const { node, setBadge, bindTokenField, postJson, safeImageUrl } = window.chartImgPage
  const INTERVALS = ['1m', '3m', '5m', '15m', '30m', '45m', '1h', '2h', '3h', '4h', '6h', '12h', '1D', '1W', '1M']
  const IMAGE_TYPES = ['image/png', 'image/jpeg']
  const CALL_TIMEOUT_MS = 180000
  const MAX_LOG_ENTRIES = 300

  const $ = (id) => document.getElementById(id)
  const el = {
    form: $('chart-form'),
    symbol: $('symbol'),
    symbolInfo: $('symbol-info'),
    interval: $('interval'),
    range: $('range'),
    style: $('style'),
    customStudy: $('custom-study'),
    size: $('size'),
    format: $('format'),
    token: $('token'),
    tokenSection: $('token-section'),
    tokenStatus: $('token-status'),
    generate: $('generate'),
    formError: $('form-error'),
    frame: $('chart-frame'),
    placeholder: $('chart-placeholder'),
    chart: $('chart'),
    summary: $('summary'),
    log: $('log'),
    clearLog: $('clear-log'),
    recent: $('recent'),
    recentEmpty: $('recent-empty'),
    refreshRecent: $('refresh-recent'),
    streamStatus: $('stream-status'),
    clientId: $('client-id')
  }

  /** seed 004's client id shape, from crypto.getRandomValues (randomUUID needs a secure context). */
  function newClientId () {
    const bytes = new Uint8Array(6)
    crypto.getRandomValues(bytes)
    return 'studio_' + Date.now() + '_' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  }

  const clientId = newClientId()
  el.clientId.textContent = clientId
  let symbols = []
  let rpcId = 0

  function timeOf (iso) {
    const d = iso ? new Date(iso) : new Date()
    return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleTimeString()
  }

  // ---- live progress log --------------------------------------------------------------------------------------

  function addLog (event, status, message, at) {
    const item = node('li', 'log-entry')
    item.dataset.event = event
    if (status) item.dataset.status = status
    item.append(node('time', 'log-time', timeOf(at)))
    // chart_progress entries are labelled by their status (started, rendering, completed…): the event is implied.
    const tag = node('span', 'tag tag-' + (status || event).replace(/[^a-z_]/gi, ''), status || event)
    tag.title = event
    item.append(tag)
    item.append(node('span', 'log-text', message))
    el.log.append(item)
    while (el.log.children.length > MAX_LOG_ENTRIES) el.log.firstElementChild.remove()
    el.log.scrollTop = el.log.scrollHeight
  }

  function parseEvent (event) {
    try {
      return JSON.parse(event.data)
    } catch {
      return null
    }
  }

  const setStreamStatus = (state, text) => setBadge(el.streamStatus, state, text)

  function openEvents () {
    const source = new EventSource('mcp/events/' + encodeURIComponent(clientId))
    setStreamStatus('connecting', 'Connecting…')
    source.addEventListener('connected', (event) => {
      const data = parseEvent(event) || {}
      setStreamStatus('open', 'Live')
      addLog('connected', null, 'Event channel open for ' + (data.clientId || clientId), data.timestamp)
    })
    source.addEventListener('heartbeat', (event) => {
      const data = parseEvent(event) || {}
      setStreamStatus('open', 'Live · heartbeat ' + timeOf(data.timestamp))
      addLog('heartbeat', null, 'Heartbeat', data.timestamp)
    })
    source.addEventListener('chart_progress', (event) => {
      const data = parseEvent(event)
      if (data === null) return
      const info = data.data || {}
      let text = data.message || ''
      if (data.requestId) text += ' [' + data.requestId + ']'
      if (typeof data.processingTime === 'number') text += ' in ' + data.processingTime + ' ms'
      addLog('chart_progress', info.status || 'update', text, data.timestamp)
    })
    source.addEventListener('events_missed', (event) => {
      const data = parseEvent(event) || {}
      addLog('events_missed', null, 'Some progress events were missed (' + (data.reason || 'unknown') + '); refreshing recent requests', data.timestamp)
      refreshRecent()
    })
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        setStreamStatus('error', 'Event channel unavailable')
        addLog('error', null, 'The event channel could not be opened; charts still work, without live progress.')
      } else {
        setStreamStatus('connecting', 'Reconnecting…')
      }
    }
    window.addEventListener('pagehide', () => source.close())
  }

  // ---- tool calls ---------------------------------------------------------------------------------------------

  class ToolError extends Error {
    constructor (message, status) {
      super(message)
      this.status = status
    }
  }

  /** One JSON-RPC tools/call; resolves with the CallToolResult, rejects with an Error whose message is the server's. */
  async function callTool (name, args) {
    let answer
    try {
      answer = await postJson('mcp/tools/call', { jsonrpc: '2.0', id: ++rpcId, method: 'tools/call', params: { name, arguments: args } }, {
        headers: { 'x-client-id': clientId }, token: token(), timeoutMs: CALL_TIMEOUT_MS
      })
    } catch (error) {
      throw new ToolError(error.name === 'AbortError' ? name + ' took longer than ' + CALL_TIMEOUT_MS / 1000 + ' s' : 'Network error: ' + error.message)
    }
    const { response, body } = answer
    if (body === null) throw new ToolError('HTTP ' + response.status + ': the server did not answer with JSON')
    if (body && body.error) throw new ToolError(typeof body.error === 'string' ? body.error : body.error.message || 'HTTP ' + response.status, response.status)
    if (!body || !body.result) throw new ToolError('HTTP ' + response.status + ': unexpected answer', response.status)
    return body.result
  }

  function textOf (result) {
    return (result.content || []).filter((c) => c.type === 'text').map((c) => c.text).join('\n')
  }

  function jsonOf (result) {
    const text = textOf(result)
    try {
      return JSON.parse(text)
    } catch {
      throw new ToolError('Unexpected tool output: ' + text.slice(0, 200))
    }
  }

  function showFormError (message) {
    el.formError.textContent = message
    el.formError.hidden = !message
  }

  // ---- access token -------------------------------------------------------------------------------------------

  function setTokenStatus (state, text) {
    el.tokenStatus.dataset.state = state
    el.tokenStatus.textContent = text
  }

  /** A 401 from a tool call: open the token section and say whether a token is missing or was refused. */
  function authProblem (error) {
    if (!(error instanceof ToolError) || error.status !== 401) return false
    el.tokenSection.open = true
    if (token()) {
      setTokenStatus('refused', 'The server refused this token (' + error.message + '). Check it: it must equal the server\'s AUTH_TOKEN.')
    } else {
      setTokenStatus('needed', 'This server requires an access token (AUTH_TOKEN). Enter it here; the page reloads symbols and requests.')
    }
    return true
  }

  /** Typing a token stores it for the tab and reloads what depends on it, once the typing pauses. */
  const token = bindTokenField(el.token, () => {
    setTokenStatus('checking', 'Checking the token…')
    reloadAll()
  })

  // ---- symbols ------------------------------------------------------------------------------------------------

  function fillIntervals (allowed) {
    const previous = el.interval.value || '1D'
    el.interval.replaceChildren()
    for (const interval of allowed.length > 0 ? allowed : INTERVALS) el.interval.append(new Option(interval, interval))
    el.interval.value = Array.from(el.interval.options).some((o) => o.value === previous) ? previous : el.interval.options[0].value
  }

  // Only the styles the symbol's data can draw (get_available_symbols' `styles`: close-only data has no candles):
  // the others stay in the list, disabled and hidden, so the choice comes back when a symbol supports it again.
  function offerStyles (allowed) {
    const options = Array.from(el.style.options)
    for (const option of options) {
      const usable = allowed.length === 0 || allowed.includes(option.value)
      option.disabled = !usable
      option.hidden = !usable
    }
    if (el.style.selectedOptions[0]?.disabled !== false) {
      const first = options.find((o) => !o.disabled)
      if (first) el.style.value = first.value
    }
  }

  function describeSymbol () {
    const info = symbols.find((s) => s.symbol === el.symbol.value)
    if (!info) {
      el.symbolInfo.textContent = ''
      fillIntervals([])
      offerStyles([])
      return
    }
    const parts = [info.description, info.from && info.to ? info.from.slice(0, 10) + ' → ' + info.to.slice(0, 10) : null, info.fields, info.source]
    el.symbolInfo.textContent = parts.filter(Boolean).join(' · ')
    fillIntervals(Array.isArray(info.intervals) ? info.intervals.filter((i) => typeof i === 'string') : [])
    offerStyles(Array.isArray(info.styles) ? info.styles.filter((v) => typeof v === 'string') : [])
  }

  async function loadSymbols () {
    const previous = el.symbol.value
    el.symbol.replaceChildren(new Option('Loading symbols…', ''))
    try {
      const listing = jsonOf(await callTool('get_available_symbols', { limit: 500 }))
      showFormError('')
      if (token()) setTokenStatus('accepted', 'Token accepted.')
      else setTokenStatus('', '')
      symbols = Array.isArray(listing.symbols) ? listing.symbols.filter((s) => s && typeof s.symbol === 'string') : []
      el.symbol.replaceChildren()
      for (const s of symbols) el.symbol.append(new Option(s.description ? s.symbol + ' — ' + s.description : s.symbol, s.symbol))
      if (symbols.length === 0) el.symbol.append(new Option('No symbols available', ''))
      if (symbols.some((s) => s.symbol === previous)) el.symbol.value = previous
      if (Array.isArray(listing.problems)) for (const problem of listing.problems) addLog('symbols', null, problem)
      describeSymbol()
    } catch (error) {
      symbols = []
      el.symbol.replaceChildren(new Option('Symbols unavailable', ''))
      fillIntervals([])
      if (authProblem(error)) showFormError(token() ? 'Symbols could not load: the access token was refused (see “Access token”).' : 'Enter the access token to load symbols (see “Access token”).')
      else showFormError('Could not load symbols: ' + error.message)
    }
  }

  /** Everything that comes from the server: at start and whenever the token changes. */
  async function reloadAll () {
    await loadSymbols()
    await refreshRecent()
  }

  // ---- generate -----------------------------------------------------------------------------------------------

  function chartArguments () {
    const [width, height] = el.size.value.split('x').map(Number)
    const args = {
      symbol: el.symbol.value,
      interval: el.interval.value,
      style: el.style.value,
      theme: el.form.querySelector('input[name=theme]:checked').value,
      width,
      height,
      format: el.format.value,
      studies: []
    }
    if (el.range.value) args.range = el.range.value
    for (const box of el.form.querySelectorAll('input[name=study]:checked')) {
      const study = { name: box.value }
      if (box.dataset.input) study.input = JSON.parse(box.dataset.input)
      args.studies.push(study)
    }
    const custom = el.customStudy.value.trim()
    if (custom) args.studies.push({ name: custom })
    return args
  }

  function showImage (src) {
    el.chart.hidden = false
    el.placeholder.hidden = true
    el.frame.dataset.state = 'image'
    el.chart.src = src
  }

  function showNoImage (message) {
    el.chart.hidden = true
    el.chart.removeAttribute('src')
    el.placeholder.hidden = false
    el.placeholder.textContent = message
    el.frame.dataset.state = 'empty'
  }

  function showResult (result) {
    const text = textOf(result)
    el.summary.textContent = text
    el.summary.hidden = text === ''
    el.summary.classList.toggle('summary-error', result.isError === true)
    const image = (result.content || []).find((c) => c.type === 'image' && IMAGE_TYPES.includes(c.mimeType) && typeof c.data === 'string')
    if (image) {
      showImage('data:' + image.mimeType + ';base64,' + image.data)
      return
    }
    const link = /^Image URL: (\S+)$/m.exec(text)
    const src = link ? safeImageUrl(link[1]) : null
    if (src) showImage(src)
    else showNoImage(result.isError ? 'The chart could not be made (see below).' : 'No image in the result.')
  }

  async function generate (event) {
    event.preventDefault()
    showFormError('')
    if (!el.symbol.value) {
      showFormError('Pick a symbol first.')
      return
    }
    el.generate.disabled = true
    el.generate.textContent = 'Generating…'
    el.frame.dataset.state = 'busy'
    try {
      showResult(await callTool('generate_chart', chartArguments()))
    } catch (error) {
      authProblem(error)
      showFormError(error.message)
      addLog('error', null, error.message)
      showNoImage('The request was refused (see the message above).')
    } finally {
      el.generate.disabled = false
      el.generate.textContent = 'Generate chart'
      refreshRecent()
    }
  }

  // ---- recent requests ----------------------------------------------------------------------------------------

  async function refreshRecent () {
    let listing
    try {
      listing = jsonOf(await callTool('get_recent_requests', { limit: 10 }))
    } catch (error) {
      el.recent.replaceChildren()
      el.recentEmpty.hidden = false
      el.recentEmpty.textContent = authProblem(error) ? 'Enter the access token to see recent requests.' : 'Could not load recent requests: ' + error.message
      return
    }
    const requests = Array.isArray(listing.requests) ? listing.requests : []
    el.recent.replaceChildren()
    for (const r of requests) {
      const row = node('tr')
      row.dataset.requestId = r.requestId
      row.append(node('td', null, timeOf(r.createdAt)), node('td', null, r.symbol), node('td', null, r.interval),
        node('td', null, r.style), node('td', 'status-' + String(r.status).replace(/[^a-z]/g, ''), r.status),
        node('td', 'num', r.processingTime === null ? '' : r.processingTime))
      const cell = node('td')
      const src = r.imageUrl ? safeImageUrl(r.imageUrl) : null
      if (src) {
        const view = node('button', 'link', 'view')
        view.type = 'button'
        view.addEventListener('click', () => {
          el.summary.textContent = r.requestId + '\n' + r.symbol + ' ' + r.interval + ' ' + r.style + ' ' + r.size
          el.summary.hidden = false
          el.summary.classList.remove('summary-error')
          showImage(src)
        })
        cell.append(view)
      } else if (r.error) {
        cell.append(node('span', 'muted', r.error))
      }
      row.append(cell)
      el.recent.append(row)
    }
    el.recentEmpty.hidden = requests.length > 0
    el.recentEmpty.textContent = 'No requests yet.'
  }

  el.chart.addEventListener('error', () => {
    if (el.chart.getAttribute('src')) showNoImage('The image could not be loaded (it may have expired).')
  })
  el.symbol.addEventListener('change', describeSymbol)
  el.form.addEventListener('submit', generate)
  el.clearLog.addEventListener('click', () => el.log.replaceChildren())
  el.refreshRecent.addEventListener('click', refreshRecent)

  fillIntervals([])
  openEvents()
  reloadAll()
})()
