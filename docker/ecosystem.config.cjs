/**
 * PM2 process file. From the install directory, after `npm ci` (its prepare script builds dist/):
 *   pm2 start docker/ecosystem.config.cjs && pm2 save
 * Secrets (CHART_IMG_API_KEY, AUTH_TOKEN) belong in the environment PM2 is started from or in a deploy-time env
 * file, not in this file.
 */
const path = require('node:path')

module.exports = {
  apps: [{
    name: 'chart-img-mcp',
    cwd: path.resolve(__dirname, '..'),
    script: 'dist/src/cli.js',
    interpreter: 'node',
    // One process: the embedded renderer already uses a worker pool (RENDER_WORKERS). For several processes
    // (instances > 1 in cluster mode) set REDIS_URL so chart progress reaches every instance's event streams.
    exec_mode: 'fork',
    instances: 1,
    // SIGTERM starts a graceful shutdown with a 10 s deadline (src/server.ts); PM2 must not SIGKILL before it ends.
    kill_timeout: 15000,
    // A crash loop (bad configuration exits with code 1) should stop, not spin.
    min_uptime: 10000,
    max_restarts: 10,
    restart_delay: 2000,
    time: true,
    env: {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '3001',
      DATA_DIR: '/var/lib/chart-img-mcp',
      LOG_LEVEL: 'info'
    }
  }]
}
