package gitea

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/dev/freeport"
	devgitea "github.com/superkube/super-kubenetes/internal/dev/gitea"
	"github.com/superkube/super-kubenetes/internal/devops/gitea"
)

// launcher runs one program as ke-dev's supervisor would, until stop.
type launcher struct {
	t    *testing.T
	cmd  *exec.Cmd
	logs string
}

func (l *launcher) Launch(ctx context.Context, name, path string, args []string, ready func(context.Context) error) error {
	log, err := os.Create(filepath.Join(l.logs, name+".log"))
	if err != nil {
		return err
	}
	defer func() { _ = log.Close() }()
	l.cmd = exec.Command(path, args...)
	l.cmd.Stdout, l.cmd.Stderr = log, log
	l.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := l.cmd.Start(); err != nil {
		return err
	}
	deadline := time.Now().Add(time.Minute)
	for {
		if err = ready(ctx); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (l *launcher) stop() {
	if l.cmd != nil && l.cmd.Process != nil {
		_ = l.cmd.Process.Kill()
		_ = l.cmd.Wait()
		l.cmd = nil
	}
}

// ke-dev starts Gitea again on the same data folder after a restart: the
// administrator's password file still logs in, and seeding the sample
// again makes no commit.
func TestKeDevGiteaAndItsSampleSurviveARestart(t *testing.T) {
	if _, err := (&devgitea.Config{}).LookPath(); err != nil {
		t.Fatalf("%v (or set %s: eval $(make -s print-env))", err, devgitea.BinDirEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	var head string
	for round := range 2 {
		port, err := freeport.Pick()
		if err != nil {
			t.Fatal(err)
		}
		cfg := &devgitea.Config{Port: port, DataDir: filepath.Join(dir, "gitea")}
		l := &launcher{t: t, logs: dir}
		password, err := devgitea.Start(ctx, l, cfg)
		if err != nil {
			l.stop()
			t.Fatalf("round %d: %v", round, err)
		}
		b, err := os.ReadFile(devgitea.PasswordFile(cfg.DataDir))
		if err != nil || strings.TrimSpace(string(b)) != password {
			t.Errorf("round %d: the password file does not hold the password (%v)", round, err)
		}
		c := gitea.New(cfg.URL(), gitea.Auth{Username: devgitea.AdminUser, Password: strings.TrimSpace(string(b))}, nil)
		repo, err := devgitea.Seed(ctx, c)
		if err != nil {
			l.stop()
			t.Fatalf("round %d: seeding: %v", round, err)
		}
		main, err := c.GetBranch(ctx, repo.Owner, repo.Name, "main")
		if err != nil {
			l.stop()
			t.Fatal(err)
		}
		if round == 0 {
			head = main.Commit
		} else if main.Commit != head {
			t.Errorf("seeding again moved main from %s to %s", head, main.Commit)
		}
		def, err := c.GetFile(ctx, devgitea.AdminUser, devgitea.SampleRepo, "main", devgitea.PipelineFile)
		if err != nil || !strings.Contains(string(def), "buildImage") {
			t.Errorf("round %d: the pipeline file: %v\n%s", round, err, def)
		}
		if repo.CloneURL != cfg.URL()+"/"+devgitea.AdminUser+"/"+devgitea.SampleRepo+".git" {
			t.Errorf("clone URL %s", repo.CloneURL)
		}
		l.stop()
	}
}
