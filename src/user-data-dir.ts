import envPaths from 'env-paths'

/**
 * The per-user data directory that `chart-img-mcp stdio` uses when DATA_DIR is unset: a desktop client spawns the
 * server from a working directory of its choosing (often `/`), so `./data` would land anywhere (issue 12).
 * env-paths follows each platform's convention: $XDG_DATA_HOME/chart-img-mcp or ~/.local/share/chart-img-mcp on
 * Linux, ~/Library/Application Support/chart-img-mcp on macOS, %LOCALAPPDATA%\chart-img-mcp\Data on Windows
 * (local, not roaming: chart images and history are machine data). Read at call time, so HOME/XDG_DATA_HOME set
 * by a test or a wrapper are honoured.
 */
export function userDataDir (): string {
  return envPaths('chart-img-mcp', { suffix: '' }).data
}
