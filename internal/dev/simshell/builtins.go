package simshell

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

type builtin func(ctx context.Context, sh *Shell, io stdio, argv []string) int

// builtins are the commands of the simulated shell.
func builtins() map[string]builtin {
	return map[string]builtin{
		":":        noop,
		"true":     noop,
		"false":    fail,
		"echo":     echo,
		"printf":   printf,
		"cat":      cat,
		"ls":       ls,
		"pwd":      pwd,
		"cd":       cd,
		"env":      env,
		"printenv": printenv,
		"export":   export,
		"unset":    unset,
		"hostname": hostname,
		"date":     date,
		"whoami":   whoami,
		"id":       id,
		"uname":    uname,
		"exit":     exit,
		"sh":       shell,
		"bash":     shell,
		"ash":      shell,
		"dash":     shell,
		"exec":     execCmd,
		"head":     head,
		"tail":     tail,
		"wc":       wc,
		"mkdir":    mkdir,
		"touch":    touch,
		"rm":       rm,
		"cp":       cp,
		"mv":       mv,
		"grep":     grep,
		"sleep":    sleep,
		"test":     test,
		"[":        test,
		"basename": basename,
		"dirname":  dirname,
		"seq":      seq,
		"which":    which,
		"ps":       ps,
		"clear":    clear,
		"help":     help,
	}
}

func noop(context.Context, *Shell, stdio, []string) int { return 0 }

func fail(context.Context, *Shell, stdio, []string) int { return 1 }

// commandNames are the names /bin lists.
func commandNames() []string {
	names := slices.Collect(maps.Keys(builtins()))
	names = slices.DeleteFunc(names, func(n string) bool { return n == ":" || n == "[" || n == "exec" })
	slices.Sort(names)
	return names
}

func help(_ context.Context, _ *Shell, io stdio, _ []string) int {
	fmt.Fprintln(io.out, "The simulated shell of a KWOK pod (nothing runs on the host; no network).")
	fmt.Fprintln(io.out, "Commands: "+strings.Join(commandNames(), " "))
	fmt.Fprintln(io.out, "Syntax: quotes, $VAR ${VAR:-x} $((1+2)) $(cmd), | && || ; and > >> < 2>&1.")
	return 0
}

func echo(_ context.Context, _ *Shell, io stdio, argv []string) int {
	args := argv[1:]
	newline, escapes := true, false
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && strings.Trim(args[0][1:], "neE") == "" {
		for _, c := range args[0][1:] {
			switch c {
			case 'n':
				newline = false
			case 'e':
				escapes = true
			case 'E':
				escapes = false
			}
		}
		args = args[1:]
	}
	s := strings.Join(args, " ")
	if escapes {
		var stop bool
		s, stop = unescape(s)
		if stop {
			newline = false
		}
	}
	if newline {
		s += "\n"
	}
	return writeOut(io, s)
}

// writeOut writes s and returns 1 when it could not be written.
func writeOut(io stdio, s string) int {
	if _, err := io.out.Write([]byte(s)); err != nil {
		return 1
	}
	return 0
}

// unescape handles the backslash escapes of echo -e and printf; stop is
// true at \c.
func unescape(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\':
			b.WriteByte('\\')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'e':
			b.WriteByte(0x1b)
		case 'c':
			return b.String(), true
		case '0':
			j := i + 1
			for j < len(s) && j < i+4 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint("0"+s[i+1:j], 8, 8)
			b.WriteByte(byte(v))
			i = j - 1
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String(), false
}

func printf(_ context.Context, sh *Shell, io stdio, argv []string) int {
	if len(argv) < 2 {
		fmt.Fprintln(io.err, "printf: usage: printf FORMAT [ARGUMENT]...")
		return 2
	}
	format, args := argv[1], argv[2:]
	var b strings.Builder
	status := 0
	for {
		used := 0
		for i := 0; i < len(format); i++ {
			c := format[i]
			if c == '\\' {
				s, _ := unescape(format[i:min(i+2, len(format))])
				b.WriteString(s)
				i++
				continue
			}
			if c != '%' {
				b.WriteByte(c)
				continue
			}
			j := i + 1
			for j < len(format) && strings.IndexByte("-+ #0123456789.", format[j]) >= 0 {
				j++
			}
			if j == len(format) {
				b.WriteString(format[i:])
				break
			}
			flags, verb := format[i+1:j], format[j]
			i = j
			if !smallWidth(flags) {
				fmt.Fprintf(io.err, "printf: %%%s%c: width or precision too large\n", flags, verb)
				return 1
			}
			if verb == '%' {
				b.WriteByte('%')
				continue
			}
			arg := ""
			if used < len(args) {
				arg = args[used]
			}
			used++
			switch verb {
			case 's':
				fmt.Fprintf(&b, "%"+flags+"s", arg)
			case 'b':
				s, _ := unescape(arg)
				b.WriteString(s)
			case 'c':
				if arg != "" {
					b.WriteByte(arg[0])
				}
			case 'd', 'i', 'x', 'X', 'o', 'u':
				n, err := strconv.ParseInt(strings.TrimSpace(arg), 0, 64)
				if err != nil && arg != "" {
					fmt.Fprintf(io.err, "printf: %s: invalid number\n", arg)
					status = 1
				}
				v := map[byte]string{'d': "d", 'i': "d", 'u': "d", 'x': "x", 'X': "X", 'o': "o"}[verb]
				fmt.Fprintf(&b, "%"+flags+v, n)
			default:
				fmt.Fprintf(io.err, "printf: %%%c: invalid directive\n", verb)
				return 1
			}
			if b.Len() > sh.limits.MaxWord*4 {
				fmt.Fprintln(io.err, "printf: output too long")
				return 1
			}
		}
		args = args[min(used, len(args)):]
		if used == 0 || len(args) == 0 {
			break
		}
	}
	if writeOut(io, b.String()) != 0 {
		return 1
	}
	return status
}

// smallWidth reports whether the width and precision of printf flags are at
// most 1000, so that one directive cannot ask for gigabytes.
func smallWidth(flags string) bool {
	n := 0
	for _, c := range flags {
		if c < '0' || c > '9' {
			n = 0
			continue
		}
		n = n*10 + int(c-'0')
		if n > 1000 {
			return false
		}
	}
	return true
}

// readInput returns the content of the files named (or of the input for
// none or "-"), reporting missing files.
func readInput(sh *Shell, io stdio, cmd string, files []string, each func(data []byte) bool) int {
	status := 0
	if len(files) == 0 {
		files = []string{"-"}
	}
	for _, f := range files {
		var data []byte
		var err error
		if f == "-" {
			data, err = readAll(io.in, sh.fs.maxBytes)
		} else {
			data, err = sh.fs.ReadFile(clean(sh.cwd, f))
		}
		if err != nil {
			if errors.Is(err, errInterrupt) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				return 130
			}
			fmt.Fprintf(io.err, "%s: %s: %v\n", cmd, f, err)
			status = 1
			continue
		}
		if !each(data) {
			return 1
		}
	}
	return status
}

func readAll(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if int64(len(data)) > limit {
		return nil, errors.New("input too long")
	}
	return data, err
}

func cat(_ context.Context, sh *Shell, io stdio, argv []string) int {
	files := slices.DeleteFunc(slices.Clone(argv[1:]), func(a string) bool { return strings.HasPrefix(a, "-") && a != "-" })
	return readInput(sh, io, "cat", files, func(data []byte) bool {
		_, err := io.out.Write(data)
		return err == nil
	})
}

// splitFlags separates single-letter flags from operands.
func splitFlags(args []string) (flags string, operands []string) {
	for i, a := range args {
		if a == "--" {
			return flags, append(operands, args[i+1:]...)
		}
		if len(a) > 1 && a[0] == '-' {
			flags += a[1:]
			continue
		}
		operands = append(operands, a)
	}
	return flags, operands
}

func ls(_ context.Context, sh *Shell, io stdio, argv []string) int {
	flags, paths := splitFlags(argv[1:])
	long, all, one := strings.Contains(flags, "l"), strings.ContainsAny(flags, "aA"), strings.Contains(flags, "1")
	if len(paths) == 0 {
		paths = []string{"."}
	}
	status := 0
	for i, p := range paths {
		entries, isDir, err := sh.fs.List(clean(sh.cwd, p))
		if err != nil {
			fmt.Fprintf(io.err, "ls: cannot access '%s': %v\n", p, err)
			status = 2
			continue
		}
		if len(paths) > 1 && isDir {
			if i > 0 {
				fmt.Fprintln(io.out)
			}
			fmt.Fprintf(io.out, "%s:\n", p)
		}
		var names []string
		for _, e := range entries {
			if !all && strings.HasPrefix(e.Name, ".") {
				continue
			}
			if !isDir {
				e.Name = p
			}
			if long {
				fmt.Fprintf(io.out, "%s 1 root root %8d %s %s\n", e.Mode.String(), e.Size, e.ModTime.UTC().Format("Jan _2 15:04"), e.Name)
				continue
			}
			names = append(names, e.Name)
		}
		if len(names) > 0 {
			sep := "  "
			if one {
				sep = "\n"
			}
			if writeOut(io, strings.Join(names, sep)+"\n") != 0 {
				return 1
			}
		}
	}
	return status
}

func pwd(_ context.Context, sh *Shell, io stdio, _ []string) int {
	return writeOut(io, sh.cwd+"\n")
}

func cd(_ context.Context, sh *Shell, io stdio, argv []string) int {
	dir := sh.env["HOME"]
	if len(argv) > 1 {
		dir = argv[1]
	}
	if dir == "-" {
		dir = sh.env["OLDPWD"]
	}
	p := clean(sh.cwd, dir)
	if exists, isDir := sh.fs.Stat(p); !exists || !isDir {
		reason := errNotExist
		if exists {
			reason = errNotDir
		}
		fmt.Fprintf(io.err, "cd: %s: %v\n", dir, reason)
		return 1
	}
	sh.env["OLDPWD"], sh.cwd, sh.env["PWD"] = sh.cwd, p, p
	return 0
}

func env(ctx context.Context, sh *Shell, io stdio, argv []string) int {
	args := argv[1:]
	assigns := map[string]string{}
	for len(args) > 0 && isAssignment(args[0]) {
		eq := strings.IndexByte(args[0], '=')
		assigns[args[0][:eq]] = args[0][eq+1:]
		args = args[1:]
	}
	saved := maps.Clone(sh.env)
	defer func() { sh.env = saved }()
	maps.Copy(sh.env, assigns)
	if len(args) > 0 {
		return sh.run(ctx, args, io)
	}
	return writeOut(io, strings.Join(sh.sortedEnv(), "\n")+"\n")
}

func printenv(_ context.Context, sh *Shell, io stdio, argv []string) int {
	if len(argv) == 1 {
		return writeOut(io, strings.Join(sh.sortedEnv(), "\n")+"\n")
	}
	status := 0
	for _, n := range argv[1:] {
		v, ok := sh.env[n]
		if !ok {
			status = 1
			continue
		}
		fmt.Fprintln(io.out, v)
	}
	return status
}

func export(_ context.Context, sh *Shell, io stdio, argv []string) int {
	if len(argv) == 1 || argv[1] == "-p" {
		for _, kv := range sh.sortedEnv() {
			eq := strings.IndexByte(kv, '=')
			fmt.Fprintf(io.out, "export %s=%q\n", kv[:eq], kv[eq+1:])
		}
		return 0
	}
	for _, a := range argv[1:] {
		if eq := strings.IndexByte(a, '='); eq > 0 && isName(a[:eq]) {
			sh.env[a[:eq]] = a[eq+1:]
		} else if !isName(a) {
			fmt.Fprintf(io.err, "export: %s: bad variable name\n", a)
			return 1
		} else if _, ok := sh.env[a]; !ok {
			sh.env[a] = ""
		}
	}
	return 0
}

func unset(_ context.Context, sh *Shell, _ stdio, argv []string) int {
	for _, a := range argv[1:] {
		delete(sh.env, a)
	}
	return 0
}

func hostname(_ context.Context, sh *Shell, io stdio, _ []string) int {
	return writeOut(io, sh.env["HOSTNAME"]+"\n")
}

func date(_ context.Context, sh *Shell, io stdio, argv []string) int {
	now := sh.clock.Now().UTC()
	for _, a := range argv[1:] {
		if strings.HasPrefix(a, "+") {
			return writeOut(io, strftime(a[1:], now)+"\n")
		}
	}
	return writeOut(io, now.Format("Mon Jan _2 15:04:05 MST 2006")+"\n")
}

func strftime(f string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		switch f[i] {
		case 'Y':
			b.WriteString(t.Format("2006"))
		case 'm':
			b.WriteString(t.Format("01"))
		case 'd':
			b.WriteString(t.Format("02"))
		case 'H':
			b.WriteString(t.Format("15"))
		case 'M':
			b.WriteString(t.Format("04"))
		case 'S':
			b.WriteString(t.Format("05"))
		case 's':
			b.WriteString(strconv.FormatInt(t.Unix(), 10))
		case 'Z':
			b.WriteString("UTC")
		case 'F':
			b.WriteString(t.Format("2006-01-02"))
		case 'T':
			b.WriteString(t.Format("15:04:05"))
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(f[i])
		}
	}
	return b.String()
}

func whoami(_ context.Context, _ *Shell, io stdio, _ []string) int { return writeOut(io, "root\n") }

func id(_ context.Context, _ *Shell, io stdio, argv []string) int {
	flags, _ := splitFlags(argv[1:])
	switch {
	case strings.Contains(flags, "n") && strings.ContainsAny(flags, "ugG"):
		return writeOut(io, "root\n")
	case strings.ContainsAny(flags, "ugG"):
		return writeOut(io, "0\n")
	}
	return writeOut(io, "uid=0(root) gid=0(root) groups=0(root)\n")
}

func uname(_ context.Context, sh *Shell, io stdio, argv []string) int {
	if len(argv) > 1 && strings.Contains(argv[1], "a") {
		return writeOut(io, "Linux "+sh.env["HOSTNAME"]+" simulated-by-kwok #1 SMP x86_64 Linux\n")
	}
	return writeOut(io, "Linux\n")
}

func exit(_ context.Context, sh *Shell, io stdio, argv []string) int {
	code := sh.status
	if len(argv) > 1 {
		n, err := strconv.Atoi(argv[1])
		if err != nil {
			fmt.Fprintf(io.err, "exit: %s: numeric argument required\n", argv[1])
			n = 2
		}
		code = n & 0xff
	}
	sh.exited = true
	return code
}

// shell runs sh -c SCRIPT [NAME [ARG...]], sh FILE [ARG...], or reads
// commands from the input.
func shell(ctx context.Context, sh *Shell, io stdio, argv []string) int {
	if sh.depth >= sh.limits.MaxDepth {
		fmt.Fprintln(io.err, "sh: shells nested too deeply")
		return 2
	}
	args := argv[1:]
	var script string
	haveScript := false
	name := argv[0]
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		opt := args[0]
		args = args[1:]
		if opt == "--" {
			break
		}
		if strings.Contains(opt, "c") {
			if len(args) == 0 {
				fmt.Fprintf(io.err, "%s: -c: option requires an argument\n", argv[0])
				return 2
			}
			script, haveScript, args = args[0], true, args[1:]
		}
	}
	child := sh.child()
	child.io = io
	switch {
	case haveScript:
		if len(args) > 0 {
			name, args = args[0], args[1:]
		}
	case len(args) > 0:
		data, err := sh.fs.ReadFile(clean(sh.cwd, args[0]))
		if err != nil {
			fmt.Fprintf(io.err, "%s: can't open '%s': %v\n", argv[0], args[0], err)
			return 127
		}
		script, name, args = string(data), args[0], args[1:]
	default:
		// Commands from the input. On a terminal the shell already reads
		// them: a nested interactive shell would be the same shell.
		if sh.term != nil {
			return sh.status
		}
		data, err := readAll(io.in, int64(sh.limits.MaxScript))
		if err != nil {
			fmt.Fprintf(io.err, "%s: %v\n", argv[0], err)
			return 2
		}
		script = string(data)
	}
	child.name, child.args = name, args
	child.runScript(ctx, script, io)
	return child.status
}

func execCmd(ctx context.Context, sh *Shell, io stdio, argv []string) int {
	if len(argv) == 1 {
		return 0
	}
	status := sh.run(ctx, argv[1:], io)
	sh.exited = true
	return status
}

func head(_ context.Context, sh *Shell, io stdio, argv []string) int {
	n, files, ok := countArg(io, "head", argv[1:])
	if !ok {
		return 1
	}
	if len(files) == 0 {
		// Read only the lines needed: the input may stay open.
		sc := bufio.NewScanner(io.in)
		sc.Buffer(make([]byte, 4096), sh.limits.MaxWord)
		for i := 0; i < n && sc.Scan(); i++ {
			if writeOut(io, sc.Text()+"\n") != 0 {
				return 1
			}
		}
		return 0
	}
	return readInput(sh, io, "head", files, func(data []byte) bool {
		lines := splitLines(data)
		return writeOut(io, strings.Join(lines[:min(n, len(lines))], "")) == 0
	})
}

func tail(_ context.Context, sh *Shell, io stdio, argv []string) int {
	n, files, ok := countArg(io, "tail", argv[1:])
	if !ok {
		return 1
	}
	return readInput(sh, io, "tail", files, func(data []byte) bool {
		lines := splitLines(data)
		return writeOut(io, strings.Join(lines[max(0, len(lines)-n):], "")) == 0
	})
}

// countArg reads -n N, -nN or -N.
func countArg(io stdio, cmd string, args []string) (int, []string, bool) {
	n := 10
	var files []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := ""
		switch {
		case a == "-n" && i+1 < len(args):
			v = args[i+1]
			i++
		case strings.HasPrefix(a, "-n"):
			v = a[2:]
		case len(a) > 1 && a[0] == '-':
			v = a[1:]
		default:
			files = append(files, a)
			continue
		}
		c, err := strconv.Atoi(v)
		if err != nil || c < 0 {
			fmt.Fprintf(io.err, "%s: invalid number of lines: '%s'\n", cmd, v)
			return 0, nil, false
		}
		n = c
	}
	return n, files, true
}

// splitLines splits after each newline, keeping it.
func splitLines(data []byte) []string {
	var lines []string
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			lines = append(lines, string(data))
			break
		}
		lines = append(lines, string(data[:i+1]))
		data = data[i+1:]
	}
	return lines
}

func wc(_ context.Context, sh *Shell, io stdio, argv []string) int {
	flags, files := splitFlags(argv[1:])
	return readInput(sh, io, "wc", files, func(data []byte) bool {
		counts := map[byte]int{'l': bytes.Count(data, []byte("\n")), 'w': len(strings.Fields(string(data))), 'c': len(data)}
		var parts []string
		for _, f := range []byte{'l', 'w', 'c'} {
			if flags == "" || strings.IndexByte(flags, f) >= 0 {
				parts = append(parts, strconv.Itoa(counts[f]))
			}
		}
		return writeOut(io, strings.Join(parts, " ")+"\n") == 0
	})
}

func mkdir(_ context.Context, sh *Shell, io stdio, argv []string) int {
	flags, dirs := splitFlags(argv[1:])
	status := 0
	for _, d := range dirs {
		if err := sh.fs.Mkdir(clean(sh.cwd, d), strings.Contains(flags, "p"), sh.clock.Now()); err != nil {
			fmt.Fprintf(io.err, "mkdir: can't create directory '%s': %v\n", d, err)
			status = 1
		}
	}
	return status
}

func touch(_ context.Context, sh *Shell, io stdio, argv []string) int {
	_, files := splitFlags(argv[1:])
	status := 0
	for _, f := range files {
		if err := sh.fs.WriteFile(clean(sh.cwd, f), nil, true, sh.clock.Now()); err != nil {
			fmt.Fprintf(io.err, "touch: %s: %v\n", f, err)
			status = 1
		}
	}
	return status
}

func rm(_ context.Context, sh *Shell, io stdio, argv []string) int {
	flags, files := splitFlags(argv[1:])
	recursive, force := strings.ContainsAny(flags, "rR"), strings.Contains(flags, "f")
	status := 0
	for _, f := range files {
		p := clean(sh.cwd, f)
		if exists, isDir := sh.fs.Stat(p); exists && isDir && !recursive {
			fmt.Fprintf(io.err, "rm: '%s' is a directory\n", f)
			status = 1
			continue
		}
		if err := sh.fs.Remove(p, recursive); err != nil && (!force || !errors.Is(err, errNotExist)) {
			fmt.Fprintf(io.err, "rm: can't remove '%s': %v\n", f, err)
			status = 1
		}
	}
	return status
}

func cp(_ context.Context, sh *Shell, io stdio, argv []string) int {
	return copyFile(sh, io, argv, false)
}

func mv(_ context.Context, sh *Shell, io stdio, argv []string) int {
	return copyFile(sh, io, argv, true)
}

// copyFile copies (or moves) one file.
func copyFile(sh *Shell, io stdio, argv []string, move bool) int {
	_, ops := splitFlags(argv[1:])
	if len(ops) != 2 {
		fmt.Fprintf(io.err, "%s: usage: %s SOURCE DEST (files only)\n", argv[0], argv[0])
		return 1
	}
	src, dst := clean(sh.cwd, ops[0]), clean(sh.cwd, ops[1])
	if _, isDir := sh.fs.Stat(dst); isDir {
		dst = path.Join(dst, path.Base(src))
	}
	data, err := sh.fs.ReadFile(src)
	if err == nil {
		err = sh.fs.WriteFile(dst, data, false, sh.clock.Now())
	}
	if err == nil && move {
		err = sh.fs.Remove(src, false)
	}
	if err != nil {
		fmt.Fprintf(io.err, "%s: %s: %v\n", argv[0], ops[0], err)
		return 1
	}
	return 0
}

func grep(_ context.Context, sh *Shell, io stdio, argv []string) int {
	flags, ops := splitFlags(argv[1:])
	if len(ops) == 0 {
		fmt.Fprintln(io.err, "grep: usage: grep [-ivcF] PATTERN [FILE]...")
		return 2
	}
	pattern := ops[0]
	if strings.Contains(flags, "F") {
		pattern = regexp.QuoteMeta(pattern)
	}
	if strings.Contains(flags, "i") {
		pattern = "(?i)" + pattern
	}
	// Go's regular expressions run in linear time: no pattern can stall.
	re, err := regexp.Compile(pattern)
	if err != nil || len(pattern) > 1024 {
		fmt.Fprintf(io.err, "grep: invalid pattern %q\n", ops[0])
		return 2
	}
	invert, count := strings.Contains(flags, "v"), strings.Contains(flags, "c")
	matched := 0
	status := readInput(sh, io, "grep", ops[1:], func(data []byte) bool {
		for _, line := range splitLines(data) {
			if re.MatchString(strings.TrimSuffix(line, "\n")) != invert {
				matched++
				if !count && writeOut(io, strings.TrimSuffix(line, "\n")+"\n") != 0 {
					return false
				}
			}
		}
		return true
	})
	if count {
		fmt.Fprintln(io.out, matched)
	}
	if status != 0 {
		return 2
	}
	if matched == 0 {
		return 1
	}
	return 0
}

func sleep(ctx context.Context, _ *Shell, io stdio, argv []string) int {
	if len(argv) < 2 {
		fmt.Fprintln(io.err, "sleep: missing operand")
		return 1
	}
	s, err := strconv.ParseFloat(strings.TrimSuffix(argv[1], "s"), 64)
	if err != nil || s < 0 {
		fmt.Fprintf(io.err, "sleep: invalid time interval '%s'\n", argv[1])
		return 1
	}
	t := time.NewTimer(time.Duration(s * float64(time.Second)))
	defer t.Stop()
	select {
	case <-t.C:
		return 0
	case <-ctx.Done():
		return 130
	}
}

// test evaluates test and [ expressions: -e -f -d -z -n, string and
// integer comparisons, and !.
func test(_ context.Context, sh *Shell, io stdio, argv []string) int {
	args := argv[1:]
	if argv[0] == "[" {
		if len(args) == 0 || args[len(args)-1] != "]" {
			fmt.Fprintln(io.err, "[: missing ]")
			return 2
		}
		args = args[:len(args)-1]
	}
	negate := false
	if len(args) > 0 && args[0] == "!" {
		negate, args = true, args[1:]
	}
	result, err := evalTest(sh, args)
	if err != nil {
		fmt.Fprintf(io.err, "%s: %v\n", argv[0], err)
		return 2
	}
	if result != negate {
		return 0
	}
	return 1
}

func evalTest(sh *Shell, args []string) (bool, error) {
	switch len(args) {
	case 0:
		return false, nil
	case 1:
		return args[0] != "", nil
	case 2:
		exists, isDir := sh.fs.Stat(clean(sh.cwd, args[1]))
		switch args[0] {
		case "-n":
			return args[1] != "", nil
		case "-z":
			return args[1] == "", nil
		case "-e":
			return exists, nil
		case "-d":
			return isDir, nil
		case "-f", "-r", "-s":
			return exists && !isDir, nil
		}
	case 3:
		a, op, b := args[0], args[1], args[2]
		switch op {
		case "=", "==":
			return a == b, nil
		case "!=":
			return a != b, nil
		case "-eq", "-ne", "-lt", "-le", "-gt", "-ge":
			x, err1 := strconv.ParseInt(a, 10, 64)
			y, err2 := strconv.ParseInt(b, 10, 64)
			if err1 != nil || err2 != nil {
				return false, errors.New("integer expression expected")
			}
			return map[string]bool{"-eq": x == y, "-ne": x != y, "-lt": x < y, "-le": x <= y, "-gt": x > y, "-ge": x >= y}[op], nil
		}
	}
	return false, fmt.Errorf("unsupported expression: %s", strings.Join(args, " "))
}

func basename(_ context.Context, _ *Shell, io stdio, argv []string) int {
	if len(argv) < 2 {
		return 1
	}
	b := path.Base(argv[1])
	if len(argv) > 2 {
		b = strings.TrimSuffix(b, argv[2])
	}
	return writeOut(io, b+"\n")
}

func dirname(_ context.Context, _ *Shell, io stdio, argv []string) int {
	if len(argv) < 2 {
		return 1
	}
	return writeOut(io, path.Dir(argv[1])+"\n")
}

func seq(_ context.Context, _ *Shell, io stdio, argv []string) int {
	var nums []int64
	for _, a := range argv[1:] {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			fmt.Fprintf(io.err, "seq: invalid number '%s'\n", a)
			return 1
		}
		nums = append(nums, n)
	}
	first, step, last := int64(1), int64(1), int64(0)
	switch len(nums) {
	case 1:
		last = nums[0]
	case 2:
		first, last = nums[0], nums[1]
	case 3:
		first, step, last = nums[0], nums[1], nums[2]
	default:
		fmt.Fprintln(io.err, "seq: usage: seq [FIRST [STEP]] LAST")
		return 1
	}
	if step == 0 {
		fmt.Fprintln(io.err, "seq: the step must not be zero")
		return 1
	}
	for i := first; (step > 0 && i <= last) || (step < 0 && i >= last); i += step {
		// The output limit ends long sequences.
		if writeOut(io, strconv.FormatInt(i, 10)+"\n") != 0 {
			return 1
		}
	}
	return 0
}

func which(_ context.Context, _ *Shell, io stdio, argv []string) int {
	status := 0
	all := builtins()
	for _, n := range argv[1:] {
		if _, ok := all[n]; ok && n != ":" && n != "[" {
			fmt.Fprintln(io.out, "/bin/"+n)
		} else {
			status = 1
		}
	}
	return status
}

func ps(_ context.Context, _ *Shell, io stdio, _ []string) int {
	return writeOut(io, "PID   USER     COMMAND\n    1 root     sh (simulated)\n")
}

func clear(_ context.Context, _ *Shell, io stdio, _ []string) int {
	return writeOut(io, "\x1b[H\x1b[2J")
}
