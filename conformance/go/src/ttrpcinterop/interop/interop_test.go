package interop

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/containerd/ttrpc"
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

func startServer(t *testing.T) string {
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
	RegisterTestService(server)
	go server.Serve(context.Background(), listener)
	t.Cleanup(func() { server.Close() })
	return "unix://" + path
}
