/**
 * Seed 000's Python SSE example, its reading loop verbatim (requests + iter_lines, `data: ` lines), printing each
 * parsed message as one JSON line for a test to read. Run with Debian's /usr/bin/python3 (python3-requests).
 * With a second argument, the first output line is the response status and Content-Type.
 */
export const SEED_000_PYTHON_CLIENT = `
import json
import sys
import requests

url = sys.argv[1]

with requests.get(url, stream=True) as response:
    if len(sys.argv) > 2:
        print(json.dumps({"status": response.status_code, "content_type": response.headers.get("Content-Type")}), flush=True)
    for line in response.iter_lines():
        if line:
            line = line.decode('utf-8')
            if line.startswith('data: '):
                data = json.loads(line[6:])
                print(json.dumps(data), flush=True)
`
