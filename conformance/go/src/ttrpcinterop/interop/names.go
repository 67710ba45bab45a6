package interop

import (
	"fmt"
	"strings"
)

// Routing names as they appear in the ttRPC Request envelope.
const (
	ServiceName = "ttrpc.interop.TestService"

	MethodEmptyCall = "EmptyCall"
	MethodUnaryCall = "UnaryCall"
	MethodSleepCall = "SleepCall"

	// UnimplementedMethod is a method no server of TestService implements.
	UnimplementedMethod = "UnimplementedCall"
	// UnimplementedServiceName is a service no interop server registers.
	UnimplementedServiceName = "ttrpc.interop.UnimplementedService"
)

// MaxMessageSize is the largest frame data length ttRPC peers accept.
const MaxMessageSize = 4 << 20

// MaxResponseSize bounds SimpleRequest.response_size, so a request cannot make
// the server allocate without limit. It is above MaxMessageSize on purpose:
// the oversize_response case needs a response that does not fit in a frame.
const MaxResponseSize = 16 << 20

// SocketPath returns the file system path of a "unix://PATH" address. A bare
// path is accepted as well.
func SocketPath(address string) (string, error) {
	path := address
	if i := strings.Index(address, "://"); i >= 0 {
		if scheme := address[:i]; scheme != "unix" {
			return "", fmt.Errorf("unsupported address scheme %q in %q: only unix:// is supported", scheme, address)
		}
		path = address[i+len("://"):]
	}
	if path == "" {
		return "", fmt.Errorf("address %q has no socket path", address)
	}
	return path, nil
}
