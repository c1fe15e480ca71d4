// brownout-holder: PID 1 of a service's container on --stack containers, for any image.
//
// Locally, a service that dies leaves the machine up: its port refuses connections at once. A
// container whose main process dies is gone with its address, and connections to it hang instead.
// So the holder runs the service as its child and stays when it dies (printing the exit marker,
// which the run reads as the part's exit); SIGHUP restarts the child in place (the restart fault:
// the address is kept); SIGTERM and SIGINT (docker stop) are passed on and the holder exits with
// the child. As PID 1 it reaps every orphan. Static (CGO off): it runs in any Linux image.
//
//	brownout-holder run -- <command> [args...]
//	brownout-holder kill <SIGNAL> [PORT]
//	                                (docker exec: the signal to what serves the part, as locally: the processes
//	                                 that hold its listening socket on PORT, so a wrapper (npx, npm start,
//	                                 sh -c) is passed over; with no PORT, or nothing listening, every child
//	                                 of PID 1)
//	brownout-holder probe <PORT>    (docker exec: exit 0 when a TCP connection to 127.0.0.1:PORT opens in
//	                                 the container; a part's `health: 'tcp'` in any image, no shell needed)
package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The markers the harness reads in the container's output (harness/stack/containers/base.ts).
const (
	exitMarker    = "brownout-holder: the service exited"
	restartMarker = "brownout-holder: the service stopped for a restart; starting it again"
)

var names = map[syscall.Signal]string{
	syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT", syscall.SIGILL: "SIGILL",
	syscall.SIGABRT: "SIGABRT", syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE", syscall.SIGKILL: "SIGKILL",
	syscall.SIGUSR1: "SIGUSR1", syscall.SIGSEGV: "SIGSEGV", syscall.SIGUSR2: "SIGUSR2", syscall.SIGPIPE: "SIGPIPE",
	syscall.SIGALRM: "SIGALRM", syscall.SIGTERM: "SIGTERM", syscall.SIGSTOP: "SIGSTOP", syscall.SIGCONT: "SIGCONT",
}

func signalNamed(name string) (syscall.Signal, bool) {
	for s, n := range names {
		if n == name || strings.TrimPrefix(n, "SIG") == name {
			return s, true
		}
	}
	if n, err := strconv.Atoi(name); err == nil && n > 0 && n < 65 {
		return syscall.Signal(n), true
	}
	return 0, false
}

func nameOf(s syscall.Signal) string {
	if n, ok := names[s]; ok {
		return n
	}
	return fmt.Sprintf("signal %d", int(s))
}

func parentOf(pid int) int {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	s := string(stat)
	// The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
	fields := strings.Fields(s[strings.LastIndex(s, ")")+1:])
	if len(fields) < 2 {
		return -1
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// killChildrenOfInit sends sig to every process whose parent is PID 1 (an exec'd process, this
// one, has parent 0: outside the namespace).
func killChildrenOfInit(sig syscall.Signal) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		fmt.Fprintln(os.Stderr, "brownout-holder kill:", err)
		return 1
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() || parentOf(pid) != 1 {
			continue
		}
		_ = syscall.Kill(pid, sig)
	}
	return 0
}

// listeners returns the processes holding a listening TCP socket on port (IPv4 or IPv6) in this
// network namespace: /proc/net/tcp{,6} give the sockets' inodes, each process's fds name them.
func listeners(port int) []int {
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			fields := strings.Fields(line)
			// sl local_address rem_address st ... inode; st 0A is LISTEN.
			if len(fields) < 10 || fields[3] != "0A" {
				continue
			}
			local := fields[1]
			p, err := strconv.ParseInt(local[strings.LastIndex(local, ":")+1:], 16, 32)
			if err == nil && int(p) == port {
				inodes[fields[9]] = true
			}
		}
	}
	var pids []int
	if len(inodes) == 0 {
		return pids
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == 1 || pid == os.Getpid() {
			continue
		}
		fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		if err != nil {
			continue
		}
		for _, fd := range fds {
			link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
			if err == nil && strings.HasPrefix(link, "socket:[") && inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

type holder struct {
	argv       []string
	child      *os.Process
	stopping   bool
	restarting bool
}

func (h *holder) start() {
	cmd := exec.Command(h.argv[0], h.argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		h.child = nil
		fmt.Fprintf(os.Stderr, "%s (could not start: %v)\n", exitMarker, err)
		return
	}
	h.child = cmd.Process
}

// reap waits for every exited child (orphans too: PID 1's duty); the service's exit is handled.
func (h *holder) reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
		if h.child == nil || pid != h.child.Pid {
			continue
		}
		h.child = nil
		switch {
		case h.stopping:
			code := ws.ExitStatus()
			if ws.Signaled() {
				code = 128 + int(ws.Signal())
			}
			os.Exit(code)
		case h.restarting:
			h.restarting = false
			fmt.Fprintln(os.Stderr, restartMarker)
			h.start()
		case ws.Signaled():
			fmt.Fprintf(os.Stderr, "%s (killed by %s)\n", exitMarker, nameOf(ws.Signal()))
		default:
			fmt.Fprintf(os.Stderr, "%s (exit code %d)\n", exitMarker, ws.ExitStatus())
		}
	}
}

func (h *holder) run() {
	signals := make(chan os.Signal, 16)
	signal.Notify(signals, syscall.SIGCHLD, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	h.start()
	for s := range signals {
		switch s {
		case syscall.SIGCHLD:
			h.reap()
		case syscall.SIGTERM, syscall.SIGINT:
			h.stopping = true
			if h.child == nil {
				os.Exit(0)
			}
			_ = h.child.Signal(s)
		case syscall.SIGHUP:
			if h.child == nil {
				h.start()
				continue
			}
			h.restarting = true
			_ = h.child.Signal(syscall.SIGTERM)
		}
	}
}

func main() {
	args := os.Args[1:]
	switch {
	case (len(args) == 2 || len(args) == 3) && args[0] == "kill":
		sig, ok := signalNamed(args[1])
		if !ok {
			fmt.Fprintln(os.Stderr, "brownout-holder kill: no signal named", args[1])
			os.Exit(2)
		}
		if len(args) == 3 {
			port, err := strconv.Atoi(args[2])
			if err != nil || port < 1 || port > 65535 {
				fmt.Fprintln(os.Stderr, "brownout-holder kill: not a port:", args[2])
				os.Exit(2)
			}
			if pids := listeners(port); len(pids) > 0 {
				for _, pid := range pids {
					_ = syscall.Kill(pid, sig)
				}
				os.Exit(0)
			}
		}
		os.Exit(killChildrenOfInit(sig))
	case len(args) == 2 && args[0] == "probe":
		port, err := strconv.Atoi(args[1])
		if err != nil || port < 1 || port > 65535 {
			fmt.Fprintln(os.Stderr, "brownout-holder probe: not a port:", args[1])
			os.Exit(2)
		}
		conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
		if err != nil {
			fmt.Fprintln(os.Stderr, "brownout-holder probe:", err)
			os.Exit(1)
		}
		_ = conn.Close()
		os.Exit(0)
	case len(args) >= 2 && args[0] == "run":
		argv := args[1:]
		if argv[0] == "--" {
			argv = argv[1:]
		}
		if len(argv) == 0 {
			break
		}
		(&holder{argv: argv}).run()
	}
	fmt.Fprintln(os.Stderr, "usage: brownout-holder run -- <command> [args...] | brownout-holder kill <SIGNAL> [PORT] | brownout-holder probe <PORT>")
	os.Exit(2)
}
