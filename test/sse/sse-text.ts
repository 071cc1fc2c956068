/** A parsed SSE event (WHATWG field rules, enough for our streams: one data line per event). */
export interface SseEvent {
  id?: string
  event?: string
  data?: string
  retry?: number
}

/** Splits SSE text into events and comments. Incomplete trailing text is returned in `rest`. */
export function parseSse (text: string): { events: SseEvent[], comments: string[], rest: string } {
  const events: SseEvent[] = []
  const comments: string[] = []
  const blocks = text.replace(/\r\n/g, '\n').split('\n\n')
  const rest = blocks.pop() ?? ''
  for (const block of blocks) {
    const event: SseEvent = {}
    let fields = 0
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) { comments.push(line); continue }
      const colon = line.indexOf(':')
      if (colon < 0) continue
      const name = line.slice(0, colon)
      const value = line.slice(colon + 1).replace(/^ /, '')
      fields++
      if (name === 'id') event.id = value
      else if (name === 'event') event.event = value
      else if (name === 'data') event.data = event.data === undefined ? value : `${event.data}\n${value}`
      else if (name === 'retry') event.retry = Number(value)
    }
    if (fields > 0) events.push(event)
  }
  return { events, comments, rest }
}

/** The numeric part of one of our event ids (`<epoch>-<seq>`). */
export function seqOf (id: string | undefined): number {
  const match = /^[0-9a-f]+-(\d+)$/.exec(id ?? '')
  if (match === null) throw new Error(`not one of our event ids: ${String(id)}`)
  return Number(match[1])
}
