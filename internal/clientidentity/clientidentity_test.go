package clientidentity_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/superkube/super-kubenetes/internal/clientidentity"
)

const token = clientidentity.TokenProtocolPrefix + "c2VjcmV0"

func TestRemoveLeavesNoWayToChooseAnIdentity(t *testing.T) {
	tests := []struct {
		name  string
		sent  http.Header
		wantH http.Header
	}{
		{"credentials go", http.Header{"Authorization": {"Bearer browser-token"}, "Proxy-Authorization": {"Basic eA=="},
			"Cookie": {"session=secret"}, "Accept": {"application/json"}},
			http.Header{"Accept": {"application/json"}}},
		{"impersonation goes, in any case of the header name", http.Header{"Impersonate-User": {"admin"}, "Impersonate-Group": {"system:masters", "x"},
			"Impersonate-Uid": {"0"}, "impersonate-extra-scopes": {"all"}, "Impersonate-Extra-Scopes.example.com%2fteam": {"a"}},
			http.Header{}},
		{"an authenticating proxy's headers go", http.Header{"X-Remote-User": {"admin"}, "X-Remote-Group": {"system:masters"},
			"x-remote-extra-scopes": {"all"}, "X-Remotely": {"stays"}},
			http.Header{"X-Remotely": {"stays"}}},
		{"a token sub-protocol goes and the others stay", http.Header{"Sec-Websocket-Protocol": {token + ", v5.channel.k8s.io"}},
			http.Header{"Sec-Websocket-Protocol": {"v5.channel.k8s.io"}}},
		{"a token sub-protocol on a line of its own goes too", http.Header{"Sec-Websocket-Protocol": {"v5.channel.k8s.io", token, "base64.binary.k8s.io"}},
			http.Header{"Sec-Websocket-Protocol": {"v5.channel.k8s.io, base64.binary.k8s.io"}}},
		{"a header of nothing but the token goes", http.Header{"Sec-Websocket-Protocol": {token}}, http.Header{}},
		{"sub-protocols without a token are left as sent", http.Header{"Sec-Websocket-Protocol": {"v5.channel.k8s.io,base64.binary.k8s.io"}},
			http.Header{"Sec-Websocket-Protocol": {"v5.channel.k8s.io,base64.binary.k8s.io"}}},
		{"forwarding headers are not identities: they stay for RemoveForwarding", http.Header{"X-Forwarded-For": {"10.0.0.1"}},
			http.Header{"X-Forwarded-For": {"10.0.0.1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.sent.Clone()
			clientidentity.Remove(h)
			if !reflect.DeepEqual(h, tt.wantH) {
				t.Fatalf("left %v, want %v", h, tt.wantH)
			}
		})
	}
}

func TestRemoveForwardingDropsEveryAddressTheClientClaims(t *testing.T) {
	h := http.Header{"Forwarded": {"for=1.2.3.4"}, "X-Forwarded-For": {"1.2.3.4, 5.6.7.8"}, "X-Forwarded-Host": {"evil"},
		"X-Forwarded-Proto": {"https"}, "X-Real-Ip": {"1.2.3.4"}, "Accept": {"*/*"}}
	clientidentity.RemoveForwarding(h)
	if want := (http.Header{"Accept": {"*/*"}}); !reflect.DeepEqual(h, want) {
		t.Fatalf("left %v, want %v", h, want)
	}
}

func TestProtocolsReadsEveryLine(t *testing.T) {
	h := http.Header{"Sec-Websocket-Protocol": {" v5.channel.k8s.io , ", token}}
	if got, want := clientidentity.Protocols(h), []string{"v5.channel.k8s.io", token}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
