package app

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// notification.userAllowedCIDRs takes CIDRs and addresses, from the file
// or the flag, and names itself when one is neither.
func TestUserAllowedCIDRsAreValidated(t *testing.T) {
	errsOf := func(cidrs ...string) []string {
		c := DefaultConfig()
		c.Notification.UserAllowedCIDRs = cidrs
		var out []string
		for _, err := range c.Validate() {
			if strings.HasPrefix(err.Error(), "notification.") {
				out = append(out, err.Error())
			}
		}
		return out
	}
	if errs := errsOf(); len(errs) != 0 {
		t.Errorf("the default: %v", errs)
	}
	if errs := errsOf("10.20.0.0/16", "192.168.1.10", "fd00::/8"); len(errs) != 0 {
		t.Errorf("valid networks: %v", errs)
	}
	if errs := errsOf("10.0.0.0/8", "smtp.internal"); len(errs) != 1 || !strings.Contains(errs[0], `notification.userAllowedCIDRs: "smtp.internal"`) {
		t.Errorf("a name: %v", errs)
	}

	o := NewOptions()
	fs := pflag.NewFlagSet("ke-apiserver", pflag.ContinueOnError)
	o.AddFlags(fs)
	dir := t.TempDir()
	if err := fs.Parse([]string{"--print-config", "--issuer=https://127.0.0.1:9443", "--signing-key-file=" + filepath.Join(dir, "k"),
		"--notification-user-allowed-cidrs=10.20.0.0/16,192.168.1.10"}); err != nil {
		t.Fatal(err)
	}
	c, err := o.Complete()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Notification.UserAllowedCIDRs, ","); got != "10.20.0.0/16,192.168.1.10" {
		t.Errorf("from the flag: %q", got)
	}
}
