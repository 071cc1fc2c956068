/*
 * Chat page: sends each message to POST chat ({message} → {response, toolCalls}) with an X-Client-Id, and shows the
 * charts it made inline with their live progress from that client's event channel mcp/events/<clientId> (named events
 * connected, heartbeat, chart_progress). The clientId comes from POST mcp/initialize (JSON-RPC; its result names
 * clientId and eventsUrl). Server text goes in with textContent only, never innerHTML (seed 000's page ran server
 * text as markup). Plain JS, no build step, relative URLs so the page also works behind a path prefix.
 */
/* global EventSource */
'use strict'

;(function () {
  const { node, setBadge, bindTokenField, postJson } = window.chartImgPage
  const CHAT_TIMEOUT_MS = 300000
  const $ = (id) => document.getElementById(id)
  const el = {
    conversation: $('conversation'),
    form: $('chat-form'),
    message: $('message'),
    send: $('send'),
    token: $('token'),
    tokenSection: $('token-section'),
    error: $('chat-error'),
    streamStatus: $('stream-status')
  }

  let clientId = null
  /** requestId → its progress block; progress that arrives before the reply names its chart waits in `pending`. */
  const blocks = new Map()
  let pending = null

  function showError (message) {
    el.error.textContent = message || ''
    el.error.hidden = !message
  }

  const setStreamStatus = (state, text) => setBadge(el.streamStatus, state, text)
  const token = bindTokenField(el.token, () => { if (!clientId) initialize() })

  function scrollToEnd () {
    window.scrollTo(0, document.body.scrollHeight)
  }

  // ---- conversation -------------------------------------------------------------------------------------------

  function addTurn (role, text) {
    const item = node('li', 'turn turn-' + role)
    item.dataset.role = role
    item.append(node('div', 'bubble', text))
    el.conversation.append(item)
    scrollToEnd()
    return item
  }

  /** A chart's progress block: a status line per chart_progress event, and the image once the reply names it. */
  function progressBlock (requestId) {
    let block = blocks.get(requestId)
    if (block) return block
    const figure = node('figure', 'chat-chart')
    figure.dataset.requestId = requestId
    const steps = node('ol', 'progress')
    figure.append(steps)
    block = { figure, steps }
    blocks.set(requestId, block)
    if (pending) pending.append(figure)
    return block
  }

  function onProgress (event) {
    let data
    try { data = JSON.parse(event.data) } catch { return }
    if (!data || !data.requestId) return
    const status = (data.data && data.data.status) || 'update'
    const block = progressBlock(data.requestId)
    const step = node('li', 'progress-step')
    step.dataset.status = status
    step.append(node('span', 'tag tag-' + status.replace(/[^a-z_]/gi, ''), status))
    step.append(node('span', 'progress-text', data.message || ''))
    block.steps.append(step)
    scrollToEnd()
  }

  function showToolCall (turn, call) {
    if (call.name === 'generate_chart' && call.requestId) {
      const block = progressBlock(call.requestId)
      turn.append(block.figure)
      if (call.imageUrl && !call.isError) {
        const img = node('img', 'chat-image')
        img.alt = 'Chart ' + (call.arguments && call.arguments.symbol ? call.arguments.symbol : call.requestId)
        img.src = call.imageUrl
        block.figure.append(img)
        const caption = node('figcaption', 'muted')
        const link = node('a', null, call.requestId)
        link.href = call.imageUrl
        link.target = '_blank'
        link.rel = 'noopener'
        caption.append(link)
        block.figure.append(caption)
      }
      return
    }
    const line = node('p', 'tool-call' + (call.isError ? ' tool-call-error' : ''))
    line.dataset.tool = call.name
    line.append(node('code', null, call.name), node('span', 'muted', ' ' + JSON.stringify(call.arguments || {})))
    turn.append(line)
  }

  async function send (message) {
    showError('')
    addTurn('user', message)
    const turn = addTurn('assistant', 'Working…')
    turn.dataset.state = 'busy'
    pending = turn
    el.send.disabled = true
    try {
      const { response, body } = await postJson('chat', { message }, { headers: clientId ? { 'x-client-id': clientId } : {}, token: token(), timeoutMs: CHAT_TIMEOUT_MS })
      if (!response.ok || !body || typeof body.response !== 'string') {
        const detail = body && body.error ? body.error : 'HTTP ' + response.status
        if (response.status === 401) el.tokenSection.open = true
        throw new Error(detail)
      }
      turn.querySelector('.bubble').textContent = body.response
      for (const call of body.toolCalls || []) showToolCall(turn, call)
      // Progress of charts this reply does not name (broadcast by calls from elsewhere) is not this answer's.
      const named = new Set((body.toolCalls || []).map((call) => call.requestId).filter(Boolean))
      for (const figure of turn.querySelectorAll('figure.chat-chart')) {
        if (!named.has(figure.dataset.requestId)) figure.remove()
      }
      turn.dataset.state = 'done'
    } catch (error) {
      turn.querySelector('.bubble').textContent = error.name === 'AbortError' ? 'No answer within ' + CHAT_TIMEOUT_MS / 1000 + ' s.' : 'The message failed: ' + error.message
      turn.dataset.state = 'failed'
      turn.classList.add('turn-error')
    } finally {
      if (pending === turn) pending = null
      el.send.disabled = false
      scrollToEnd()
    }
  }

  // ---- event channel ------------------------------------------------------------------------------------------

  async function initialize () {
    setStreamStatus('connecting', 'Connecting…')
    try {
      const { response, body } = await postJson('mcp/initialize', {
        jsonrpc: '2.0', id: 1, method: 'initialize', params: { clientInfo: { name: 'chat-page', version: '1' } }
      }, { token: token() })
      if (!body || !body.result || !body.result.clientId) throw new Error(body && body.error ? body.error.message || body.error : 'HTTP ' + response.status)
      clientId = body.result.clientId
      document.body.dataset.clientId = clientId
      const source = new EventSource(String(body.result.eventsUrl || ('mcp/events/' + encodeURIComponent(clientId))).replace(/^\//, ''))
      source.addEventListener('connected', () => setStreamStatus('open', 'Live'))
      source.addEventListener('heartbeat', () => setStreamStatus('open', 'Live'))
      source.addEventListener('chart_progress', onProgress)
      source.onerror = () => {
        setStreamStatus(source.readyState === EventSource.CLOSED ? 'error' : 'connecting', source.readyState === EventSource.CLOSED ? 'No live progress' : 'Reconnecting…')
      }
      window.addEventListener('pagehide', () => source.close())
    } catch (error) {
      // The chat still answers without the channel; only live progress is missing.
      setStreamStatus('error', 'No live progress')
      if (/401|Authorization/.test(String(error.message))) el.tokenSection.open = true
    }
  }

  // ---- wiring -------------------------------------------------------------------------------------------------

  el.form.addEventListener('submit', (event) => {
    event.preventDefault()
    const message = el.message.value.trim()
    if (!message || el.send.disabled) return
    el.message.value = ''
    send(message)
  })
  for (const button of document.querySelectorAll('.example')) {
    button.addEventListener('click', () => {
      el.message.value = button.dataset.message
      el.message.focus()
    })
  }
  addTurn('assistant', 'Ask for a chart, e.g. “chart SP:SPX 1W candle rsi macd”, or type help.')
  initialize()
})()
