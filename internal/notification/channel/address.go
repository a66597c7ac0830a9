package channel

import (
	"github.com/superkube/super-kubenetes/internal/netguard"
)

// A user's notification config (one with the label
// notification.superkube.io/user) may make ke-apiserver connect to public
// addresses only: every connection of its deliveries and verifications,
// webhook and chat HTTP (redirects included) and SMTP, goes through
// netguard's dialer, which checks each address after DNS resolution.
// Platform-level configs, made by platform administrators, are not
// restricted.

// usersConfig names the connections in netguard's errors.
const usersConfig = "a user's notification config"

// AddressError is a connection refused because its address is not
// allowed for a user's config.
type AddressError = netguard.AddressError

func asAddressError(err error) *AddressError { return netguard.AsAddressError(err) }
