package app

import "testing"

func TestTheQuotaWebhookAdvertisesAnAddressToReach(t *testing.T) {
	for _, c := range []struct{ bind, advertise, want string }{
		{"127.0.0.1:10284", "", "127.0.0.1:10284"},
		{":9443", "", ""},
		{"0.0.0.0:9443", "", ""},
		{"[::]:9443", "", ""},
		{":9443", "10.1.2.3", "10.1.2.3:9443"},
		{":9443", "fd00::7", "[fd00::7]:9443"},
		{":9443", "10.1.2.3:8443", "10.1.2.3:8443"},
	} {
		w := QuotaWebhook{BindAddress: c.bind, AdvertiseAddress: c.advertise}
		if got := w.advertised(); got != c.want {
			t.Errorf("bind %q advertise %q: advertised %q, want %q", c.bind, c.advertise, got, c.want)
		}
	}
}
