package simshell

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/utils/clock"
)

var pod = Pod{Namespace: "demo", Name: "web-1", Container: "web"}

type result struct {
	code        int
	out, errOut string
}

func run(t *testing.T, s *Sandbox, stdin io.Reader, argv ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := s.Exec(context.Background(), pod, argv, stdin, &out, &errOut, false)
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

func sandbox() *Sandbox { return NewSandbox(DefaultLimits(), clock.RealClock{}) }

func TestCommandsAndSyntax(t *testing.T) {
	s := sandbox()
	cases := []struct {
		argv []string
		out  string
		code int
	}{
		{[]string{"echo", "hi"}, "hi\n", 0},
		{[]string{"/bin/echo", "-n", "a", "b"}, "a b", 0},
		{[]string{"sh", "-c", "echo hello from $KWOK_SIMULATED_POD"}, "hello from true\n", 0},
		{[]string{"bash", "-c", `echo "quoted $HOSTNAME" '$HOME' \$x`}, "quoted web-1 $HOME $x\n", 0},
		{[]string{"sh", "-c", "echo $((6*7)) $(( (1+2) * -3 % 5 ))"}, "42 -4\n", 0},
		{[]string{"sh", "-c", "x=$(echo inner); echo [$x] ${y:-default} ${#x}"}, "[inner] default 5\n", 0},
		{[]string{"sh", "-c", "false && echo no || echo yes; true; echo $?"}, "yes\n0\n", 0},
		{[]string{"sh", "-c", "echo a b c | wc -w"}, "3\n", 0},
		{[]string{"sh", "-c", "printf '%s=%d\\n' a 1 b 2 | tail -n 1"}, "b=2\n", 0},
		{[]string{"sh", "-c", "cd /tmp && pwd && cd .. && pwd"}, "/tmp\n/\n", 0},
		{[]string{"sh", "-c", "exit 3"}, "", 3},
		{[]string{"sh", "-c", "echo err >&2; echo out 2>/dev/null"}, "out\n", 0},
		{[]string{"sh", "-c", `sh -c 'echo $0 $1 $#' name one`}, "name one 1\n", 0},
		{[]string{"sh", "-c", "[ -d /tmp ] && test -f /etc/hostname && cat /etc/hostname"}, "web-1\n", 0},
		{[]string{"hostname"}, "web-1\n", 0},
		{[]string{"sh", "-c", "! false"}, "", 0},
		{[]string{"env"}, "", 0},
	}
	for _, c := range cases {
		r := run(t, s, nil, c.argv...)
		if r.code != c.code || (c.out != "" && r.out != c.out) {
			t.Errorf("%q: got code %d, out %q, err %q; want code %d, out %q", c.argv, r.code, r.out, r.errOut, c.code, c.out)
		}
	}
	if r := run(t, s, nil, "env"); !strings.Contains(r.out, "KWOK_SIMULATED_POD=true\n") {
		t.Errorf("env lacks KWOK_SIMULATED_POD: %q", r.out)
	}
	if r := run(t, s, nil, "sh", "-c", "if true; then echo x; fi"); r.code != 2 || !strings.Contains(r.errOut, "not simulated") {
		t.Errorf("a compound command: %+v", r)
	}
}

// TestHostFilesAreOutOfReach checks that nothing names a file of the host:
// absolute paths, .. and the folders the old exec ran in all resolve inside
// the pod's in-memory tree.
func TestHostFilesAreOutOfReach(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "pki", "ca.key")
	if err := os.MkdirAll(filepath.Dir(secret), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secret, []byte("-----BEGIN PRIVATE KEY----- host secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := sandbox()
	for _, argv := range [][]string{
		{"cat", "/etc/passwd"},
		{"cat", "../../../../../../etc/passwd"},
		{"cat", secret},
		{"sh", "-c", "cd ../../../..; cat etc/passwd " + secret},
		{"sh", "-c", "cat < " + secret},
		{"head", "-n", "1", "/proc/self/environ"},
		{"ls", dir},
		{"grep", "-r", "PRIVATE", secret},
		{"sh", secret},
		{"cp", secret, "/tmp/stolen"},
	} {
		r := run(t, s, nil, argv...)
		if r.code == 0 || strings.Contains(r.out+r.errOut, "PRIVATE") || strings.Contains(r.out, "root:x:0:0") {
			t.Errorf("%q reached the host: code %d, out %q, err %q", argv, r.code, r.out, r.errOut)
		}
	}
	// Writing goes to the pod's tree, never to the host.
	marker := filepath.Join(dir, "written-by-exec")
	run(t, s, nil, "sh", "-c", "mkdir -p "+dir+" && echo x > "+marker+" && touch "+marker+"2")
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a redirection wrote a host file")
	}
	if _, err := os.Stat(marker + "2"); err == nil {
		t.Fatal("touch wrote a host file")
	}
	if r := run(t, s, nil, "cat", marker); r.out != "x\n" {
		t.Fatalf("the pod's own copy: %+v", r)
	}
	if r := run(t, s, nil, "ls", "/"); r.out != "bin  etc  root  tmp  var\n" {
		t.Fatalf("ls / lists %q", r.out)
	}
}

func TestNoProgramRuns(t *testing.T) {
	s := sandbox()
	run(t, s, nil, "sh", "-c", "echo 'echo pwned' > /tmp/x.sh")
	for _, c := range []struct {
		argv []string
		code int
		msg  string
	}{
		{[]string{"python3", "-c", "print(1)"}, 127, "not found"},
		{[]string{"/usr/bin/python3"}, 127, "not found"},
		{[]string{"/usr/lib/python3/x"}, 127, "not found"},
		{[]string{"/tmp/x.sh"}, 126, "Permission denied"},
		{[]string{"sh", "-c", "/proc/self/exe"}, 127, "not found"},
		{[]string{"curl", "http://127.0.0.1:6443"}, 127, "no network"},
		{[]string{"sh", "-c", "wget http://example.com"}, 127, "no network"},
	} {
		r := run(t, s, nil, c.argv...)
		if r.code != c.code || !strings.Contains(r.errOut, c.msg) {
			t.Errorf("%q: got code %d, err %q; want %d and %q", c.argv, r.code, r.errOut, c.code, c.msg)
		}
	}
}

func TestPodsKeepTheirOwnFiles(t *testing.T) {
	s := sandbox()
	if r := run(t, s, nil, "sh", "-c", "echo kept > /tmp/f; echo more >> /tmp/f"); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	if r := run(t, s, nil, "cat", "/tmp/f"); r.out != "kept\nmore\n" {
		t.Fatalf("the second exec reads %+v", r)
	}
	var out bytes.Buffer
	code := s.Exec(context.Background(), Pod{Namespace: "demo", Name: "other"}, []string{"cat", "/tmp/f"}, nil, &out, io.Discard, false)
	if code == 0 {
		t.Fatalf("another pod reads the file: %q", out.String())
	}
	if r := run(t, s, nil, "sh", "-c", "echo x > /bin/ls"); r.code == 0 {
		t.Fatal("/bin is writable")
	}
}

func TestLimits(t *testing.T) {
	limits := DefaultLimits()
	limits.Timeout = 200 * time.Millisecond
	limits.MaxOutput = 1000
	s := NewSandbox(limits, clock.RealClock{})

	r := run(t, s, nil, "seq", "1000000000")
	if r.code != 1 || len(r.out) > 1000 || !strings.Contains(r.errOut, "output limit of 1000 bytes") {
		t.Errorf("seq: code %d, %d bytes out, err %q", r.code, len(r.out), r.errOut)
	}
	r = run(t, s, nil, "sh", "-c", "seq 100000 | wc -l; echo after")
	if r.code != 1 || strings.Contains(r.out, "after") {
		t.Errorf("a pipeline past the limit: %+v", r)
	}

	begin := time.Now()
	r = run(t, s, nil, "sleep", "10")
	if r.code != 124 || !strings.Contains(r.errOut, "time limit of 200ms") || time.Since(begin) > 5*time.Second {
		t.Errorf("sleep: %+v after %s", r, time.Since(begin))
	}
	// Input that never ends.
	pr, pw := io.Pipe()
	defer pw.Close()
	begin = time.Now()
	r = run(t, s, pr, "cat")
	if r.code != 124 || time.Since(begin) > 5*time.Second {
		t.Errorf("cat of endless input: %+v after %s", r, time.Since(begin))
	}

	// Doubling a variable stops at the word limit instead of eating memory.
	script := "x=0123456789abcdef" + strings.Repeat("; x=$x$x", 40) + "; echo done"
	r = run(t, NewSandbox(DefaultLimits(), clock.RealClock{}), nil, "sh", "-c", script)
	if !strings.Contains(r.errOut, "value too long") {
		t.Errorf("doubling: %+v", r)
	}
	// A script that runs itself, and substitutions nested without end.
	r = run(t, NewSandbox(DefaultLimits(), clock.RealClock{}), nil, "sh", "-c", "echo 'sh /tmp/r' > /tmp/r; sh /tmp/r")
	if r.code == 0 || !strings.Contains(r.errOut, "nested too deeply") {
		t.Errorf("recursion: %+v", r)
	}
	r = run(t, NewSandbox(DefaultLimits(), clock.RealClock{}), nil, "sh", "-c", "echo 'echo $(sh /tmp/r)' > /tmp/r; sh /tmp/r")
	if !strings.Contains(r.errOut, "nested too deeply") {
		t.Errorf("deep nesting: %+v", r)
	}
	// Directives and expressions that would ask for gigabytes or a deep stack.
	r = run(t, NewSandbox(DefaultLimits(), clock.RealClock{}), nil, "printf", "%999999999s", "x")
	if r.code != 1 || !strings.Contains(r.errOut, "too large") || r.out != "" {
		t.Errorf("a huge printf width: code %d, %d bytes out, err %q", r.code, len(r.out), r.errOut)
	}
	r = run(t, NewSandbox(DefaultLimits(), clock.RealClock{}), nil, "sh", "-c", "echo $(("+strings.Repeat("(", 30000)+"1"+strings.Repeat(")", 30000)+"))")
	if r.code == 0 || !strings.Contains(r.errOut, "nested too deeply") {
		t.Errorf("deeply nested arithmetic: code %d, err %.200q", r.code, r.errOut)
	}
	r = run(t, NewSandbox(DefaultLimits(), clock.RealClock{}), nil, "sh", "-c", strings.Repeat("echo x;", 20000))
	if r.code != 2 || !strings.Contains(r.errOut, "longer than") {
		t.Errorf("a long script: code %d err %q", r.code, r.errOut)
	}
}

func TestFileTreeLimits(t *testing.T) {
	s := sandbox()
	big := strings.Repeat("x", 600<<10)
	r := run(t, s, strings.NewReader(big), "sh", "-c", "cat > /tmp/a; cat /tmp/a > /tmp/b; echo status $?")
	if !strings.Contains(r.errOut, "No space left") {
		t.Fatalf("1 MiB per pod is not enforced: %+v", r.errOut)
	}
}

func TestStandardInput(t *testing.T) {
	s := sandbox()
	// kubectl exec -i keeps the input open: head returns after one line.
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { _, _ = pw.Write([]byte("through and back\n")) }()
	if r := run(t, s, pr, "head", "-n", "1"); r.out != "through and back\n" || r.code != 0 {
		t.Fatalf("head -n 1: %+v", r)
	}
	// sh reading a script from its input.
	if r := run(t, s, strings.NewReader("echo one\nexit 4\necho never\n"), "sh"); r.out != "one\n" || r.code != 4 {
		t.Fatalf("sh from input: %+v", r)
	}
}

func TestTerminal(t *testing.T) {
	s := sandbox()
	pr, pw := io.Pipe()
	var out bytes.Buffer
	done := make(chan int)
	go func() {
		done <- s.Exec(context.Background(), pod, []string{"sh"}, pr, &out, nil, true)
	}()
	// Typing with a correction, an arrow key and Ctrl-C, then Ctrl-D.
	for _, chunk := range []string{"echo hello-from-$((6*7))\r", "echo tyop\x7f\x7fpo\x1b[A\r", "sleep 5\x03", "exit 7\r"} {
		if _, err := pw.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case code := <-done:
		if code != 7 {
			t.Errorf("exit code %d, want 7", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("the shell did not end; output so far:\n%s", out.String())
	}
	text := out.String()
	for _, want := range []string{"simulated", "/ # ", "hello-from-42\r\n", "typo\r\n", "^C"} {
		if !strings.Contains(text, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, text)
		}
	}
}
