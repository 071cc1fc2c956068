import type { ServerResponse } from 'node:http'

/**
 * An AbortSignal that fires when the client goes away before its response was sent, so work done for it (a chart
 * render) stops instead of running for nobody. `'close'` on a ServerResponse also fires after a normal finish;
 * `writableFinished` tells the two apart.
 */
export function abortOnDisconnect (response: ServerResponse): AbortSignal {
  const controller = new AbortController()
  response.once('close', () => {
    if (!response.writableFinished) controller.abort(new Error('client disconnected'))
  })
  return controller.signal
}
