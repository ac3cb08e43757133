"""The labs: each lab's page, what it builds on, the functions a student
writes, and the tests `make grade` runs with their points (declared here
once; tools/grade.py adds them up). Test names are the harness's
(`python3 tools/test.py --only NAME` runs one)."""
from dataclasses import dataclass, field


# A student tree also earns these for an answers-LAB.txt that is there and
# not empty (the teacher reads it; tools/grade.py only checks it exists).
ANSWER_POINTS = 5


@dataclass
class Lab:
    page: str                  # the lab's hand-out, put on top of the student's README
    summary: str
    needs: list = field(default_factory=list)   # labs to do first
    effort: str = ""
    tests: list = field(default_factory=list)   # (test name, points)

    @property
    def points(self):
        return sum(p for _, p in self.tests)


LABS = {
    "pingpong": Lab(
        page="docs/labs/pingpong.md",
        summary="warm-up: a user program that bounces a byte between two processes over two pipes",
        effort="1 hour",
        tests=[("shell/pingpong", 10), ("shell/pingpong-rounds", 10)],
    ),
    "sleep": Lab(
        page="docs/labs/sleep.md",
        summary="xv6's sleep(chan, lk), wakeup(chan) and wakeup1(chan)",
        needs=["pingpong"],
        effort="3 hours",
        tests=[("boot/cpus3", 10), ("shell/pipeline", 5), ("shell/pipeline3", 5),
               ("usertests/exitwait", 10), ("usertests/pipebulk", 10), ("usertests/pipemany", 10),
               ("usertests/pipeeof", 5), ("usertests/pipekill", 5), ("usertests/sleep", 5),
               ("gdb/pipe-sleep-and-wakeup", 10)],
    ),
    "waitqueue": Lab(
        page="docs/labs/waitqueue.md",
        summary="Linux's wait queues: prepare_to_wait, finish_wait, __wake_up_common, autoremove_wake_function",
        needs=["sleep"],
        effort="4 hours",
        tests=[("waittests/exclusive", 10), ("waittests/wakeall", 10), ("waittests/race", 10),
               ("waittests/keyfilter", 10), ("waittests/killwaiter", 5), ("waittests/pollwake", 5),
               ("nettests/exclusive", 15), ("nettests/echo", 5)],
    ),
    "timeout": Lab(
        page="docs/labs/timeout.md",
        summary="the kernel timer list and schedule_timeout",
        needs=["waitqueue"],
        effort="3 hours",
        tests=[("waittests/timeout", 10), ("waittests/polltimeout", 10), ("waittests/nanosleep", 10),
               ("waittests/sleepkill", 5), ("sigtests/alarm", 10), ("nettests/rcvtimeo", 10)],
    ),
    "udp-receive": Lab(
        page="docs/labs/udp-receive.md",
        summary="wait_for_packet (Linux's four checks, in order) and receiver_wake_function (the poll-key filter)",
        needs=["waitqueue", "timeout"],
        effort="4 hours",
        tests=[("nettests/echo", 5), ("nettests/pingpong", 5), ("nettests/exclusive", 10),
               ("nettests/rcvtimeo", 10), ("nettests/shutdown", 10), ("nettests/signal", 10),
               ("nettests/writespace", 10), ("gdb/udp-sleep-and-wake-chains", 10)],
    ),
    "signals": Lab(
        page="docs/labs/signals.md",
        summary="the system-call restart decision (-ERESTARTSYS, SA_RESTART, SO_RCVTIMEO) and sigreturn's checks",
        needs=["udp-receive"],
        effort="3 hours",
        tests=[("sigtests/handler", 10), ("sigtests/eintr", 10), ("sigtests/restart", 10),
               ("sigtests/pause", 5), ("sigtests/sigreturn", 15), ("nettests/signal", 10)],
    ),
    "tcp-wait": Lab(
        page="docs/labs/tcp-wait.md",
        summary="TCP's sleeps under the socket lock: sk_wait_data (tcp_recvmsg) and inet_csk_wait_for_connect (accept)",
        needs=["waitqueue", "timeout", "udp-receive"],
        effort="4 hours",
        tests=[("tcptests/echo", 5), ("tcptests/bulk", 10), ("tcptests/halfclose", 5), ("tcptests/reset", 5),
               ("tcptests/recv", 10), ("tcptests/accept", 15), ("tcptests/many", 10),
               ("gdb/tcp-accept-recv-and-wakeups", 10)],
    ),
}
