package interop

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/containerd/ttrpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Runs every case with the Go client against the Go server, as the
// interop-client and interop-server commands do across processes.
func TestCasesGoClientAgainstGoServer(t *testing.T) {
	address := startServer(t)
	client, err := Dial(address)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	env := Env{Client: client, ServerImpl: ServerGo}

	for _, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) {
			err := c.Run(context.Background(), env, time.Minute)
			var skip *SkipError
			switch {
			case errors.As(err, &skip):
				if c.Name != "oversize_response" {
					t.Fatalf("unexpected skip: %v", err)
				}
			case err != nil:
				t.Fatal(err)
			}
		})
	}
}

func TestBenchChecksEveryResponse(t *testing.T) {
	client, err := Dial(startServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	result, err := Bench(context.Background(), []*Client{client},
		BenchConfig{Concurrency: 4, PayloadSize: 100, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if result.Calls == 0 || result.P50 <= 0 || result.P99 < result.P50 {
		t.Fatalf("implausible result %v", result)
	}
}

func TestBenchFailsOnCallErrors(t *testing.T) {
	client, err := Dial(startServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	// Each echo is larger than a frame, so the server refuses every call.
	_, err = Bench(context.Background(), []*Client{client},
		BenchConfig{Concurrency: 1, PayloadSize: MaxMessageSize + 1, Duration: 200 * time.Millisecond})
	if err == nil {
		t.Fatal("bench succeeded although every call failed")
	}
}

// A server that refuses oversized responses the way the Java server must: an
// error Response with code 8 and Go's text, the connection left open.
func TestOversizeResponsePassesAgainstARefusingServer(t *testing.T) {
	refusing := func(ctx context.Context, req *SimpleRequest) (*SimpleResponse, error) {
		if req.ResponseSize > MaxMessageSize {
			return nil, status.Errorf(codes.ResourceExhausted,
				"message length %d exceed maximum message size of %d", req.ResponseSize+15, MaxMessageSize)
		}
		return unaryCall(ctx, req)
	}
	if err := runCaseAgainst(t, "oversize_response", refusing); err != nil {
		t.Fatal(err)
	}
}

// Each case must notice the server misbehaviour it is about.
func TestCasesFailAgainstABrokenServer(t *testing.T) {
	tests := map[string]func(context.Context, *SimpleRequest) (*SimpleResponse, error){
		"oversize_response": func(ctx context.Context, req *SimpleRequest) (*SimpleResponse, error) {
			return nil, status.Error(codes.Internal, "message length 1 exceed maximum message size of 4194304")
		},
		"large_unary": func(ctx context.Context, req *SimpleRequest) (*SimpleResponse, error) {
			resp, err := unaryCall(ctx, req)
			if err == nil {
				resp.Payload.Body[len(resp.Payload.Body)-1] = 1
			}
			return resp, err
		},
		"status_code_and_message": func(ctx context.Context, req *SimpleRequest) (*SimpleResponse, error) {
			return nil, status.Error(codes.Unknown, req.ResponseStatus.Message+".")
		},
		"special_status_message": func(ctx context.Context, req *SimpleRequest) (*SimpleResponse, error) {
			return nil, status.Error(codes.Internal, req.ResponseStatus.Message)
		},
		"custom_metadata": func(ctx context.Context, req *SimpleRequest) (*SimpleResponse, error) {
			resp, err := unaryCall(ctx, req)
			if err == nil {
				resp.EchoedMetadata = resp.EchoedMetadata[1:]
			}
			return resp, err
		},
		"concurrent_unary": func(ctx context.Context, req *SimpleRequest) (*SimpleResponse, error) {
			if len(req.Payload.GetBody()) == 90 {
				return &SimpleResponse{Payload: &Payload{Body: []byte("mixed up")}}, nil
			}
			return unaryCall(ctx, req)
		},
	}
	for name, handler := range tests {
		t.Run(name, func(t *testing.T) {
			if err := runCaseAgainst(t, name, handler); err == nil {
				t.Fatal("case passed against a server that gets it wrong")
			}
		})
	}
}

// runCaseAgainst runs one case against a TestService whose UnaryCall is handler.
func runCaseAgainst(t *testing.T, name string, handler func(context.Context, *SimpleRequest) (*SimpleResponse, error)) error {
	t.Helper()
	c, ok := FindCase(name)
	if !ok {
		t.Fatalf("no case %q", name)
	}
	address := startServerWith(t, func(srv *ttrpc.Server) {
		srv.Register(ServiceName, map[string]ttrpc.Method{
			MethodEmptyCall: func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
				return &Empty{}, unmarshal(&Empty{})
			},
			MethodUnaryCall: func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
				var req SimpleRequest
				if err := unmarshal(&req); err != nil {
					return nil, err
				}
				return handler(ctx, &req)
			},
		})
	})
	client, err := Dial(address)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	return c.Run(context.Background(), Env{Client: client, ServerImpl: ServerJava}, time.Minute)
}

func startServer(t *testing.T) string {
	return startServerWith(t, RegisterTestService)
}

func startServerWith(t *testing.T, register func(*ttrpc.Server)) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "interop.sock")
	listener, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	server, err := ttrpc.NewServer(ttrpc.WithServerHandshaker(ttrpc.UnixSocketRequireSameUser()))
	if err != nil {
		t.Fatal(err)
	}
	register(server)
	go server.Serve(context.Background(), listener)
	t.Cleanup(func() { server.Close() })
	return "unix://" + path
}
