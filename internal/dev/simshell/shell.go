// Package simshell is the shell of the local cluster's simulated pods: a
// small interpreter of POSIX shell commands (echo, ls, cat, printf, env,
// sh -c, pipelines, redirections ...) over an in-memory file tree of each
// pod. It never runs a program, opens a host file or touches the network;
// every command run has a time and an output limit.
package simshell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"k8s.io/utils/clock"
)

// Limits bound what one exec may cost.
type Limits struct {
	// Timeout bounds a command: a whole exec, or one line typed into an
	// interactive shell.
	Timeout time.Duration
	// IdleTimeout ends an interactive shell that waits this long for input.
	IdleTimeout time.Duration
	// MaxOutput bounds the bytes a command writes (stdout and stderr).
	MaxOutput int64
	// MaxScript bounds the size of a script or command line.
	MaxScript int
	// MaxWord bounds an expanded word or variable.
	MaxWord int
	// MaxDepth bounds nested shells and command substitutions.
	MaxDepth int
}

// DefaultLimits are the limits of the local cluster.
func DefaultLimits() Limits {
	return Limits{
		Timeout:     30 * time.Second,
		IdleTimeout: 15 * time.Minute,
		MaxOutput:   1 << 20,
		MaxScript:   64 << 10,
		MaxWord:     64 << 10,
		MaxDepth:    8,
	}
}

// Sandbox runs commands in simulated pods.
type Sandbox struct {
	store  *Store
	limits Limits
	clock  clock.PassiveClock
}

// NewSandbox returns a sandbox whose pods keep their files in memory:
// at most 1 MiB in 1,000 files per pod, for the 256 pods used last.
func NewSandbox(limits Limits, clk clock.PassiveClock) *Sandbox {
	return &Sandbox{store: NewStore(256, 1<<20, 1000), limits: limits, clock: clk}
}

// Pod names the container a command runs in.
type Pod struct {
	Namespace, Name, Container string
}

// Exec runs argv in the simulated pod and returns its exit code. With tty,
// stdin is a terminal's raw input and the output goes to stdout only.
func (s *Sandbox) Exec(ctx context.Context, pod Pod, argv []string, stdin io.Reader, stdout, stderr io.Writer, tty bool) int {
	fs := s.store.Get(pod.Namespace+"/"+pod.Name, pod.Name, s.clock.Now())
	sh := &Shell{
		fs:     fs,
		cwd:    "/",
		limits: s.limits,
		clock:  s.clock,
		name:   "sh",
		env: map[string]string{
			"HOME":               "/root",
			"HOSTNAME":           pod.Name,
			"PATH":               "/bin",
			"PWD":                "/",
			"SHELL":              "/bin/sh",
			"USER":               "root",
			"KWOK_SIMULATED_POD": "true",
			"POD_NAMESPACE":      pod.Namespace,
		},
	}
	in := newInput(stdin)
	var term *terminal
	if tty {
		sh.env["TERM"] = "xterm"
		out := &crlfWriter{w: stdout}
		term = &terminal{in: in, echo: out}
		stdout, stderr = out, out
	}
	sh.term = term
	sh.raw = stdio{out: stdout, err: stderr}
	if len(argv) == 0 {
		argv = []string{"sh"}
	}
	if isShell(argv[0]) && interactiveArgs(argv[1:]) {
		return sh.readCommands(ctx, in, tty)
	}
	// One command: the whole exec has the time and output limits.
	ctx, cancel := context.WithTimeout(ctx, s.limits.Timeout)
	defer cancel()
	sh.io = sh.limited(ctx, in)
	sh.status = sh.run(ctx, argv, sh.io)
	sh.reportAbort(ctx)
	return sh.status
}

func isShell(name string) bool {
	switch path.Base(name) {
	case "sh", "bash", "ash", "dash":
		return name == path.Base(name) || isBinDir(path.Dir(name))
	}
	return false
}

// interactiveArgs reports whether a shell with these arguments reads its
// commands from its input.
func interactiveArgs(args []string) bool {
	for _, a := range args {
		switch a {
		case "-i", "-l", "-s", "--login", "-il", "-li":
		default:
			return false
		}
	}
	return true
}

// Shell is one shell: its variables, folder and last status.
type Shell struct {
	fs     *FS
	env    map[string]string
	cwd    string
	name   string
	args   []string
	status int
	depth  int
	limits Limits
	clock  clock.PassiveClock
	term   *terminal // the terminal, with a tty
	raw    stdio     // the exec's own output, past the output limit
	io     stdio     // the current command's streams
	out    *limitCounter
	exited bool
	abort  error
}

type stdio struct {
	in       io.Reader
	out, err io.Writer
}

func (sh *Shell) child() *Shell {
	c := &Shell{fs: sh.fs, env: maps.Clone(sh.env), cwd: sh.cwd, name: sh.name, args: sh.args, depth: sh.depth + 1,
		limits: sh.limits, clock: sh.clock, term: sh.term, raw: sh.raw, io: sh.io, out: sh.out}
	return c
}

// limited returns the streams of one command under the output limit.
func (sh *Shell) limited(ctx context.Context, in *input) stdio {
	sh.out = &limitCounter{max: sh.limits.MaxOutput}
	var r io.Reader = &ctxReader{ctx: ctx, in: in}
	if sh.term != nil {
		r = &termReader{ctx: ctx, t: sh.term}
	}
	return stdio{in: r, out: &limitWriter{w: sh.raw.out, c: sh.out}, err: &limitWriter{w: sh.raw.err, c: sh.out}}
}

// reportAbort says why a command was stopped.
func (sh *Shell) reportAbort(ctx context.Context) {
	switch {
	case sh.out != nil && sh.out.over:
		fmt.Fprintf(sh.raw.err, "\nsh: output limit of %d bytes reached; the command was stopped\n", sh.limits.MaxOutput)
		sh.status = 1
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		fmt.Fprintf(sh.raw.err, "\nsh: time limit of %s reached; the command was stopped\n", sh.limits.Timeout)
		sh.status = 124
	}
}

// readCommands runs the lines read from in, one by one, each with the time
// and output limits, until end of input, exit, or the idle timeout. With a
// terminal it prompts and echoes.
func (sh *Shell) readCommands(ctx context.Context, in *input, tty bool) int {
	if sh.depth >= sh.limits.MaxDepth {
		fmt.Fprintln(sh.raw.err, "sh: shells nested too deeply")
		return 2
	}
	lines := &lineReader{in: in}
	if tty && sh.depth == 0 {
		if motd, err := sh.fs.ReadFile("/etc/motd"); err == nil {
			_, _ = sh.raw.out.Write(motd)
		}
	}
	for !sh.exited {
		idle, cancel := context.WithTimeout(ctx, sh.limits.IdleTimeout)
		var line string
		var err error
		if tty {
			fmt.Fprintf(sh.raw.out, "%s # ", sh.cwd)
			line, err = sh.term.readLine(idle)
		} else {
			line, err = lines.readLine(idle, sh.limits.MaxScript)
		}
		cancel()
		switch {
		case errors.Is(err, errInterrupt):
			continue
		case errors.Is(err, io.EOF):
			if tty {
				fmt.Fprintln(sh.raw.out, "exit")
			}
			return sh.status
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			fmt.Fprintf(sh.raw.err, "\nsh: no input for %s; the simulated shell ends\n", sh.limits.IdleTimeout)
			return sh.status
		case err != nil:
			return sh.status
		}
		cmdCtx, cancel := context.WithTimeout(ctx, sh.limits.Timeout)
		sh.io = sh.limited(cmdCtx, in)
		sh.abort = nil
		sh.runScript(cmdCtx, line, sh.io)
		sh.reportAbort(cmdCtx)
		cancel()
	}
	return sh.status
}

// runScript parses and runs a script, setting the shell's status.
func (sh *Shell) runScript(ctx context.Context, script string, io stdio) {
	if len(script) > sh.limits.MaxScript {
		fmt.Fprintf(io.err, "%s: script longer than %d bytes\n", sh.name, sh.limits.MaxScript)
		sh.status = 2
		return
	}
	l, err := parse(script)
	if err != nil {
		fmt.Fprintf(io.err, "%s: %v\n", sh.name, err)
		sh.status = 2
		return
	}
	for _, ao := range l {
		if sh.stopped(ctx) {
			return
		}
		sh.runAndOr(ctx, ao, io)
	}
}

// stopped reports whether the shell must not run anything more.
func (sh *Shell) stopped(ctx context.Context) bool {
	return sh.exited || sh.abort != nil || ctx.Err() != nil || (sh.out != nil && sh.out.over)
}

func (sh *Shell) runAndOr(ctx context.Context, ao andOr, io stdio) {
	sh.status = sh.runPipeline(ctx, ao.pipes[0], io)
	for i, op := range ao.ops {
		if sh.stopped(ctx) {
			return
		}
		if (op == "&&") != (sh.status == 0) {
			continue
		}
		sh.status = sh.runPipeline(ctx, ao.pipes[i+1], io)
	}
}

// runPipeline runs the commands one after the other, each reading what the
// previous one wrote.
func (sh *Shell) runPipeline(ctx context.Context, pl pipeline, io stdio) int {
	status := 0
	in := io.in
	for i, cmd := range pl.cmds {
		if sh.stopped(ctx) {
			return 1
		}
		cur := io
		cur.in = in
		var buf *cappedBuffer
		if i < len(pl.cmds)-1 {
			buf = &cappedBuffer{max: sh.limits.MaxOutput, counter: sh.out}
			cur.out = buf
		}
		status = sh.runCommand(ctx, cmd, cur)
		if buf != nil {
			in = bytes.NewReader(buf.Bytes())
		}
	}
	if pl.negate {
		return int(b2i(status == 0))
	}
	return status
}

// runCommand expands and runs a simple command.
func (sh *Shell) runCommand(ctx context.Context, cmd command, io stdio) int {
	argv, err := sh.expandWords(ctx, cmd.words)
	if err != nil {
		fmt.Fprintf(io.err, "%s: %v\n", sh.name, err)
		return 1
	}
	assigns := map[string]string{}
	var order []string
	for _, a := range cmd.assigns {
		eq := strings.IndexByte(a, '=')
		v, err := sh.expandString(ctx, a[eq+1:])
		if err != nil {
			fmt.Fprintf(io.err, "%s: %v\n", sh.name, err)
			return 1
		}
		assigns[a[:eq]] = v
		order = append(order, a[:eq])
	}
	io, flush, err := sh.redirect(ctx, cmd.redirs, io)
	if err != nil {
		fmt.Fprintf(io.err, "%s: %v\n", sh.name, err)
		return 1
	}
	defer func() {
		if err := flush(); err != nil {
			fmt.Fprintf(io.err, "%s: %v\n", sh.name, err)
		}
	}()
	if len(argv) == 0 {
		for _, k := range order {
			sh.env[k] = assigns[k]
		}
		return sh.status
	}
	if len(assigns) > 0 {
		saved := maps.Clone(sh.env)
		maps.Copy(sh.env, assigns)
		defer func() { sh.env = saved }()
	}
	return sh.run(ctx, argv, io)
}

// run runs one command with its arguments.
func (sh *Shell) run(ctx context.Context, argv []string, io stdio) int {
	name := argv[0]
	if strings.Contains(name, "/") {
		if !isBinDir(path.Dir(name)) {
			return sh.notFound(name, io)
		}
		name = path.Base(name)
	}
	if net, ok := networkCommands[name]; ok && net {
		fmt.Fprintf(io.err, "%s: not available: a simulated pod has no network\n", name)
		return 127
	}
	b, ok := builtins()[name]
	if !ok {
		return sh.notFound(argv[0], io)
	}
	return b(ctx, sh, io, argv)
}

func (sh *Shell) notFound(name string, io stdio) int {
	if exists, _ := sh.fs.Stat(clean(sh.cwd, name)); exists && strings.Contains(name, "/") {
		fmt.Fprintf(io.err, "%s: %s: Permission denied (a simulated pod runs no programs)\n", sh.name, name)
		return 126
	}
	fmt.Fprintf(io.err, "%s: %s: not found (a simulated pod runs only the simulated shell's commands; type help)\n", sh.name, name)
	return 127
}

func isBinDir(dir string) bool {
	switch dir {
	case "/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin":
		return true
	}
	return false
}

// networkCommands are answered with a clear word instead of "not found".
var networkCommands = map[string]bool{"curl": true, "wget": true, "nc": true, "ping": true, "nslookup": true, "ssh": true, "telnet": true, "dig": true}

// redirect applies the redirections; flush writes the files written to.
func (sh *Shell) redirect(ctx context.Context, redirs []redir, io stdio) (stdio, func() error, error) {
	var sinks []*fileSink
	flush := func() error {
		var errs []error
		for _, s := range sinks {
			errs = append(errs, s.flush())
		}
		return errors.Join(errs...)
	}
	for _, r := range redirs {
		if r.op == ">&" {
			if r.target == "1" {
				io = setFD(io, r.fd, io.out)
			} else {
				io = setFD(io, r.fd, io.err)
			}
			continue
		}
		target, err := sh.expandString(ctx, r.target)
		if err != nil {
			return io, flush, err
		}
		switch target {
		case "/dev/null":
			if r.fd == 0 {
				io.in = emptyReader{}
			} else {
				io = setFD(io, r.fd, nullWriter{})
			}
			continue
		case "/dev/stdout":
			io = setFD(io, r.fd, io.out)
			continue
		case "/dev/stderr":
			io = setFD(io, r.fd, io.err)
			continue
		}
		p := clean(sh.cwd, target)
		if r.op == "<" {
			data, err := sh.fs.ReadFile(p)
			if err != nil {
				return io, flush, fmt.Errorf("%s: %w", target, err)
			}
			io = setFD(io, r.fd, nil)
			io.in = bytes.NewReader(data)
			continue
		}
		appendTo := r.op == ">>"
		if !appendTo {
			if err := sh.fs.WriteFile(p, nil, false, sh.clock.Now()); err != nil {
				return io, flush, fmt.Errorf("can't create %s: %w", target, err)
			}
		} else if exists, dir := sh.fs.Stat(p); exists && dir {
			return io, flush, fmt.Errorf("can't create %s: %w", target, errIsDir)
		}
		s := &fileSink{fs: sh.fs, path: p, name: target, now: sh.clock.Now, max: sh.fs.maxBytes}
		sinks = append(sinks, s)
		io = setFD(io, r.fd, s)
	}
	return io, flush, nil
}

func setFD(io stdio, fd int, w io.Writer) stdio {
	switch fd {
	case 1:
		io.out = w
	case 2:
		io.err = w
	}
	return io
}

// fileSink collects what a command writes to a file and appends it when the
// command ends.
type fileSink struct {
	fs   *FS
	path string
	name string
	now  func() time.Time
	buf  bytes.Buffer
	max  int64
}

func (s *fileSink) Write(p []byte) (int, error) {
	if int64(s.buf.Len()+len(p)) > s.max {
		return 0, errNoSpace
	}
	return s.buf.Write(p)
}

func (s *fileSink) flush() error {
	if err := s.fs.WriteFile(s.path, s.buf.Bytes(), true, s.now()); err != nil {
		return fmt.Errorf("write error: %s: %w", s.name, err)
	}
	return nil
}

// sortedEnv lists the variables as NAME=value lines.
func (sh *Shell) sortedEnv() []string {
	keys := slices.Collect(maps.Keys(sh.env))
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+sh.env[k])
	}
	return out
}
