"""A Python 3 stand-in for coderanger/supervisor-stdout, enough to run its config under
supervisord: the listener answers every event with the event itself as the RESULT body,
and event_handler (the pool's result_handler, called inside supervisord) prints it as
"NAME | CHANNEL | DATA" on supervisord's stdout."""
import sys


def main():
    while True:
        sys.stdout.write("READY\n")
        sys.stdout.flush()
        line = sys.stdin.readline()
        headers = dict(x.split(":", 1) for x in line.split())
        data = sys.stdin.read(int(headers["len"]))
        sys.stdout.write("RESULT %d\n%s" % (len(data), data))
        sys.stdout.flush()


def event_handler(event, response):
    line, data = response.decode().split("\n", 1)
    headers = dict(x.split(":", 1) for x in line.split())
    sys.stdout.write("%s | %s | %s" % (headers["processname"], headers["channel"], data))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
