import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'node_modules/**', '.tools/**', 'docs/**', 'data/**'] }),
  {
    rules: {
      'no-console': 'error'
    }
  },
  {
    // Command-line entry points, benchmarks and scripts print to the terminal by design.
    files: ['bench/**', 'scripts/**', 'src/cli.ts', 'test/**'],
    rules: { 'no-console': 'off' }
  }
]
