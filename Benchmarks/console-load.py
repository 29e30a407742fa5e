"""A bounded HTTP load on the hub's console, for Benchmarks/console: CLIENTS threads, each with
its own keep-alive connection to 127.0.0.1, asking for the given paths in turn with one signed-in
session, until SECONDS have passed or REQUESTS have been made. Prints requests per second and
latency percentiles, per path and overall. Refuses any host but the loopback."""

import argparse
import http.client
import re
import threading
import time
import urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--user", required=True)
parser.add_argument("--password", required=True)
parser.add_argument("--paths", nargs="+", required=True)
parser.add_argument("--clients", type=int, default=50)
parser.add_argument("--seconds", type=float, default=60)
parser.add_argument("--requests", type=int, default=100000)
args = parser.parse_args()

url = urllib.parse.urlparse(args.url)
if url.hostname not in ("127.0.0.1", "localhost", "::1"):
    raise SystemExit("the load goes to the loopback only")
host, port = url.hostname, url.port

# One sign-in; every client uses the session.
connection = http.client.HTTPConnection(host, port, timeout=30)
body = urllib.parse.urlencode({"name": args.user, "password": args.password, "next": "/"})
connection.request("POST", "/signin", body, {"Content-Type": "application/x-www-form-urlencoded"})
response = connection.getresponse()
response.read()
cookie = re.search(r"hub_session=([^;]+)", response.getheader("Set-Cookie") or "")
if response.status != 303 or not cookie:
    raise SystemExit(f"sign-in failed: {response.status}")
headers = {"Cookie": f"hub_session={cookie.group(1)}"}

lock = threading.Lock()
issued = 0
latencies = {path: [] for path in args.paths}
errors = []
deadline = time.monotonic() + args.seconds


def client(index):
    global issued
    connection = http.client.HTTPConnection(host, port, timeout=60)
    n = index
    while time.monotonic() < deadline:
        with lock:
            if issued >= args.requests:
                return
            issued += 1
        path = args.paths[n % len(args.paths)]
        n += 1
        started = time.monotonic()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            took = time.monotonic() - started
            with lock:
                if response.status == 200:
                    latencies[path].append(took)
                else:
                    errors.append(f"{path}: {response.status}")
        except Exception as error:  # a dropped connection is counted and replaced
            with lock:
                errors.append(f"{path}: {error}")
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=60)


start = time.monotonic()
threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
elapsed = time.monotonic() - start


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


everything = [v for values in latencies.values() for v in values]
print(f"{args.clients} clients, {elapsed:.1f} s, {len(everything)} answers (200), {len(errors)} errors")
print(f"{'path':<32} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}")
for path, values in list(latencies.items()) + [("all", everything)]:
    print(f"{path:<32} {len(values):>9} {len(values) / elapsed:>8.1f} {percentile(values, 50) * 1000:>8.1f} "
          f"{percentile(values, 90) * 1000:>8.1f} {percentile(values, 99) * 1000:>8.1f} {max(values or [float('nan')]) * 1000:>8.1f}")
for error in errors[:5]:
    print("error:", error)
