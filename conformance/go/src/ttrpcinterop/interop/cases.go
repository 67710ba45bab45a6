package interop

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/containerd/ttrpc"
	"github.com/gogo/protobuf/proto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Server implementations a client can be pointed at. Some cases depend on it
// because Go ttrpc 1.1.1 peers have known defects that would crash this client.
const (
	ServerJava = "java"
	ServerGo   = "go"
)

// Env is what a case runs against.
type Env struct {
	Client *Client
	// ServerImpl is ServerJava or ServerGo.
	ServerImpl string
}

// Case is one interop test case.
type Case struct {
	Name        string
	Description string
	// Isolated cases can crash the Go client process when the server
	// misbehaves, so the command line runs them in a child process.
	Isolated bool
	run      func(ctx context.Context, env Env) error
}

// SkipError reports that a case does not apply to the server under test.
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return "skipped: " + e.Reason }

const (
	largeRequestSize  = 271828
	largeResponseSize = 314159
	callTimeout       = 10 * time.Second
	concurrentCalls   = 128
)

// Cases lists every case, in the order "all" runs them.
func Cases() []Case {
	return []Case{
		{Name: "empty_unary", Description: "EmptyCall returns an Empty", run: emptyUnary},
		{Name: "large_unary", Description: "UnaryCall with a 271828-byte request and a 314159-byte response", run: largeUnary},
		{Name: "status_code_and_message", Description: "UnaryCall asked to fail gets exactly 2 \"test status message\"", run: statusCodeAndMessage},
		{Name: "special_status_message", Description: "a status message with whitespace, BMP and non-BMP characters comes back unchanged", run: specialStatusMessage},
		{Name: "custom_metadata", Description: "request metadata (incl. a mixed-case and a repeated key) is echoed back", run: customMetadata},
		{Name: "unimplemented_method", Description: "an unknown method gets 12 \"method UnimplementedCall\"", run: unimplementedMethod},
		{Name: "unimplemented_service", Description: "an unknown service gets 12 \"service ttrpc.interop.UnimplementedService\"", run: unimplementedService},
		{Name: "deadline_propagation", Description: "the server sees the client's deadline via timeout_nano, and none without one", run: deadlinePropagation},
		{Name: "timeout_on_sleeping_server", Description: "a 100 ms deadline on a 10 s sleep fails with DeadlineExceeded; the connection stays usable", run: timeoutOnSleepingServer},
		{Name: "oversize_request", Description: "a request frame over 4 MiB gets 8 \"message length N exceed maximum message size of 4194304\"", run: oversizeRequest},
		{Name: "oversize_response", Description: "a 5 MiB response is refused with code 8 instead of being sent (skipped for Go servers)", Isolated: true, run: oversizeResponse},
		{Name: "concurrent_unary", Description: "128 UnaryCalls in flight on one connection, each response checked", run: concurrentUnary},
	}
}

// FindCase returns the case with that name.
func FindCase(name string) (Case, bool) {
	for _, c := range Cases() {
		if c.Name == name {
			return c, true
		}
	}
	return Case{}, false
}

// Run runs the case, giving up after timeout. A nil error is a pass; a
// *SkipError means the case does not apply.
func (c Case) Run(ctx context.Context, env Env, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- c.run(ctx, env) }()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		return fmt.Errorf("no result after %v", timeout)
	}
}

func emptyUnary(ctx context.Context, env Env) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if _, err := env.Client.EmptyCall(ctx, &Empty{}); err != nil {
		return fmt.Errorf("EmptyCall: %w", err)
	}
	return nil
}

func largeUnary(ctx context.Context, env Env) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	resp, err := env.Client.UnaryCall(ctx, &SimpleRequest{
		ResponseSize: largeResponseSize,
		Payload:      &Payload{Body: make([]byte, largeRequestSize)},
	})
	if err != nil {
		return fmt.Errorf("UnaryCall: %w", err)
	}
	if err := checkZeroBody(resp.Payload.GetBody(), largeResponseSize); err != nil {
		return err
	}
	if resp.ReceivedPayloadSize != largeRequestSize {
		return fmt.Errorf("server received %d payload bytes, sent %d", resp.ReceivedPayloadSize, largeRequestSize)
	}
	if len(resp.EchoedMetadata) != 0 {
		return fmt.Errorf("metadata echoed although echo_metadata was false: %v", resp.EchoedMetadata)
	}
	return nil
}

func statusCodeAndMessage(ctx context.Context, env Env) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	const message = "test status message"
	_, err := env.Client.UnaryCall(ctx, &SimpleRequest{
		ResponseStatus: &EchoStatus{Code: int32(codes.Unknown), Message: message},
	})
	return expectStatus(err, codes.Unknown, message)
}

func specialStatusMessage(ctx context.Context, env Env) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	const message = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
	_, err := env.Client.UnaryCall(ctx, &SimpleRequest{
		ResponseStatus: &EchoStatus{Code: int32(codes.Unknown), Message: message},
	})
	return expectStatus(err, codes.Unknown, message)
}

func customMetadata(ctx context.Context, env Env) error {
	// A literal MD keeps the mixed-case key as written; MD.Set would lowercase it.
	sent := ttrpc.MD{
		"x-interop-lower":      {"value-1"},
		"X-Interop-Mixed-Case": {"Value-2"},
		"x-interop-repeated":   {"first", "second"},
	}
	ctx, cancel := context.WithTimeout(ttrpc.WithMetadata(ctx, sent), callTimeout)
	defer cancel()
	resp, err := env.Client.UnaryCall(ctx, &SimpleRequest{
		EchoMetadata: true,
		Payload:      &Payload{Body: []byte("metadata")},
	})
	if err != nil {
		return fmt.Errorf("UnaryCall: %w", err)
	}

	// Servers may or may not keep the case of keys, so compare ignoring it.
	echoed := map[string][]string{}
	for _, e := range resp.EchoedMetadata {
		k := strings.ToLower(e.Key)
		echoed[k] = append(echoed[k], e.Value)
	}
	if len(echoed) != len(sent) {
		return fmt.Errorf("sent metadata %v, echoed %v", sent, echoed)
	}
	for k, want := range sent {
		got := echoed[strings.ToLower(k)]
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			return fmt.Errorf("key %q: sent %q, echoed %q", k, want, got)
		}
	}
	return nil
}

func unimplementedMethod(ctx context.Context, env Env) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	err := env.Client.Raw(ctx, ServiceName, UnimplementedMethod, &Empty{}, &Empty{})
	return expectStatus(err, codes.Unimplemented, "method "+UnimplementedMethod)
}

func unimplementedService(ctx context.Context, env Env) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	err := env.Client.Raw(ctx, UnimplementedServiceName, UnimplementedMethod, &Empty{}, &Empty{})
	return expectStatus(err, codes.Unimplemented, "service "+UnimplementedServiceName)
}

func deadlinePropagation(ctx context.Context, env Env) error {
	const timeout = 5 * time.Second
	withDeadline, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := env.Client.SleepCall(withDeadline, &SleepRequest{})
	if err != nil {
		return fmt.Errorf("SleepCall with deadline: %w", err)
	}
	if !resp.DeadlineSeen {
		return errors.New("server saw no deadline although the call had one")
	}
	if left := resp.DeadlineRemainingMillis; left <= 0 || left > timeout.Milliseconds() {
		return fmt.Errorf("server saw %d ms left, want within (0, %d]", left, timeout.Milliseconds())
	}

	// ctx has no deadline, so the request carries no timeout_nano.
	resp, err = env.Client.SleepCall(ctx, &SleepRequest{})
	if err != nil {
		return fmt.Errorf("SleepCall without deadline: %w", err)
	}
	if resp.DeadlineSeen {
		return fmt.Errorf("server saw a deadline (%d ms left) although the call had none", resp.DeadlineRemainingMillis)
	}
	return nil
}

func timeoutOnSleepingServer(ctx context.Context, env Env) error {
	const deadline = 100 * time.Millisecond
	sleepCtx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	start := time.Now()
	_, err := env.Client.SleepCall(sleepCtx, &SleepRequest{SleepMillis: 10_000})
	elapsed := time.Since(start)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		// The Go client gives up locally when the context ends.
	case status.Code(err) == codes.DeadlineExceeded:
		// The server's own deadline fired and its answer won the race.
	default:
		return fmt.Errorf("want context.DeadlineExceeded, got %v", err)
	}
	// Generous: only catches a client that waited for the full sleep.
	if elapsed > 5*time.Second {
		return fmt.Errorf("call returned after %v, deadline was %v", elapsed, deadline)
	}
	return connectionUsable(ctx, env, "after the deadline expired")
}

func oversizeRequest(ctx context.Context, env Env) error {
	req := &SimpleRequest{Payload: &Payload{Body: make([]byte, MaxMessageSize+1)}}
	// The limit applies to the whole Request envelope. Compute its size the way
	// the client will encode it: no deadline and no metadata, so ctx must carry
	// neither.
	payload, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	frameLength := proto.Size(&ttrpc.Request{Service: ServiceName, Method: MethodUnaryCall, Payload: payload})
	want := fmt.Sprintf("message length %d exceed maximum message size of %d", frameLength, MaxMessageSize)

	// Go ttrpc 1.1.1 does not check sizes on send: the server must reject it.
	_, err = env.Client.UnaryCall(ctx, req)
	if err := expectStatus(err, codes.ResourceExhausted, want); err != nil {
		return err
	}
	return connectionUsable(ctx, env, "after an oversized request")
}

var oversizeText = regexp.MustCompile(`^message length (\d+) exceed maximum message size of 4194304$`)

func oversizeResponse(ctx context.Context, env Env) error {
	if env.ServerImpl == ServerGo {
		return &SkipError{Reason: "Go ttrpc 1.1.1 servers send responses over 4 MiB, and the 1.1.1 client of this peer panics on them"}
	}
	const size = 5 << 20
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	_, err := env.Client.UnaryCall(callCtx, &SimpleRequest{ResponseSize: size})
	st, ok := status.FromError(err)
	if err == nil || !ok {
		return fmt.Errorf("want status 8 for a %d-byte response, got %v", size, err)
	}
	if st.Code() != codes.ResourceExhausted {
		return fmt.Errorf("want code 8 (ResourceExhausted), got %d %q", st.Code(), st.Message())
	}
	m := oversizeText.FindStringSubmatch(st.Message())
	if m == nil {
		return fmt.Errorf("message %q does not match %q", st.Message(), oversizeText)
	}
	if n, _ := strconv.Atoi(m[1]); n <= size {
		return fmt.Errorf("reported length %d is not above the %d-byte payload", n, size)
	}
	return connectionUsable(ctx, env, "after an oversized response")
}

func concurrentUnary(ctx context.Context, env Env) error {
	ctx, cancel := context.WithTimeout(ctx, 3*callTimeout)
	defer cancel()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make(chan error, concurrentCalls)
	)
	for i := 0; i < concurrentCalls; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// Distinct sizes and contents, so a response delivered to the
			// wrong caller is noticed.
			body := []byte(strings.Repeat(fmt.Sprintf("call-%03d;", i), i+1))
			<-start
			resp, err := env.Client.UnaryCall(ctx, &SimpleRequest{Payload: &Payload{Body: body}})
			switch {
			case err != nil:
				errs <- fmt.Errorf("call %d: %w", i, err)
			case string(resp.Payload.GetBody()) != string(body):
				errs <- fmt.Errorf("call %d: got %d bytes back that differ from the %d sent",
					i, len(resp.Payload.GetBody()), len(body))
			case int(resp.ReceivedPayloadSize) != len(body):
				errs <- fmt.Errorf("call %d: server received %d bytes, sent %d", i, resp.ReceivedPayloadSize, len(body))
			}
		}(i)
	}
	close(start)
	wg.Wait()
	close(errs)

	var failures []string
	for err := range errs {
		failures = append(failures, err.Error())
	}
	if len(failures) > 0 {
		return fmt.Errorf("%d of %d calls failed: %s", len(failures), concurrentCalls, strings.Join(failures, "; "))
	}
	return nil
}

func connectionUsable(ctx context.Context, env Env, when string) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if _, err := env.Client.EmptyCall(ctx, &Empty{}); err != nil {
		return fmt.Errorf("connection unusable %s: EmptyCall: %w", when, err)
	}
	return nil
}

func expectStatus(err error, code codes.Code, message string) error {
	if err == nil {
		return fmt.Errorf("call succeeded, want status %d %q", code, message)
	}
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("want status %d %q, got a non-status error: %v", code, message, err)
	}
	if st.Code() != code || st.Message() != message {
		return fmt.Errorf("want status %d %q, got %d %q", code, message, st.Code(), st.Message())
	}
	return nil
}

func checkZeroBody(body []byte, size int) error {
	if len(body) != size {
		return fmt.Errorf("response payload has %d bytes, want %d", len(body), size)
	}
	for i, b := range body {
		if b != 0 {
			return fmt.Errorf("response payload byte %d is %#x, want 0", i, b)
		}
	}
	return nil
}
