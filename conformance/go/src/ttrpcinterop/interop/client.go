package interop

import (
	"context"
	"fmt"
	"net"

	"github.com/containerd/ttrpc"
)

// Client is a typed client of ttrpc.interop.TestService. It is safe for
// concurrent use, like the ttrpc.Client it wraps.
type Client struct {
	ttrpc *ttrpc.Client
}

// Dial connects to a TestService server at a "unix://PATH" address.
func Dial(address string) (*Client, error) {
	path, err := SocketPath(address)
	if err != nil {
		return nil, err
	}
	conn, err := net.Dial("unix", path)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", address, err)
	}
	return &Client{ttrpc: ttrpc.NewClient(conn)}, nil
}

// Close closes the connection.
func (c *Client) Close() error {
	return c.ttrpc.Close()
}

// EmptyCall calls TestService/EmptyCall.
func (c *Client) EmptyCall(ctx context.Context, req *Empty) (*Empty, error) {
	var resp Empty
	if err := c.ttrpc.Call(ctx, ServiceName, MethodEmptyCall, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// UnaryCall calls TestService/UnaryCall.
func (c *Client) UnaryCall(ctx context.Context, req *SimpleRequest) (*SimpleResponse, error) {
	var resp SimpleResponse
	if err := c.ttrpc.Call(ctx, ServiceName, MethodUnaryCall, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// SleepCall calls TestService/SleepCall.
func (c *Client) SleepCall(ctx context.Context, req *SleepRequest) (*SleepResponse, error) {
	var resp SleepResponse
	if err := c.ttrpc.Call(ctx, ServiceName, MethodSleepCall, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Raw calls any service and method, for the cases that probe what a server
// does with names it does not know.
func (c *Client) Raw(ctx context.Context, service, method string, req, resp interface{}) error {
	return c.ttrpc.Call(ctx, service, method, req, resp)
}
