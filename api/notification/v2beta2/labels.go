package v2beta2

// Labels of the notification API.
const (
	// UserLabel names the user an object belongs to ("my notifications");
	// without it the object is at platform level.
	UserLabel = "notification.superkube.io/user"
	// SecretNamespace holds the credentials the objects refer to.
	SecretNamespace = "superkube-system"
)

// Condition types and reasons.
const (
	// ReadyCondition is True when the object's references resolve (its
	// Config exists and has its credentials).
	ReadyCondition = "Ready"

	ReasonResolved       = "Resolved"
	ReasonConfigNotFound = "ConfigNotFound"
	ReasonSecretNotFound = "SecretNotFound"
	ReasonInvalid        = "Invalid"
)
