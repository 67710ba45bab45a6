package interop

import (
	"context"
	"sort"
	"time"

	"github.com/containerd/ttrpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// RegisterTestService registers the unary methods of ttrpc.interop.TestService
// on srv. The streaming methods are left out (ttrpc 1.1.1 has no streams), so
// calling them yields 12 UNIMPLEMENTED "method <name>".
func RegisterTestService(srv *ttrpc.Server) {
	srv.Register(ServiceName, map[string]ttrpc.Method{
		MethodEmptyCall: func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			var req Empty
			if err := unmarshal(&req); err != nil {
				return nil, err
			}
			return &Empty{}, nil
		},
		MethodUnaryCall: func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			var req SimpleRequest
			if err := unmarshal(&req); err != nil {
				return nil, err
			}
			return unaryCall(ctx, &req)
		},
		MethodSleepCall: func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			var req SleepRequest
			if err := unmarshal(&req); err != nil {
				return nil, err
			}
			return sleepCall(ctx, &req)
		},
	})
}

func unaryCall(ctx context.Context, req *SimpleRequest) (*SimpleResponse, error) {
	if st := req.ResponseStatus; st != nil && st.Code != 0 {
		return nil, status.Error(codes.Code(st.Code), st.Message)
	}
	if req.ResponseSize < 0 || req.ResponseSize > MaxResponseSize {
		return nil, status.Errorf(codes.InvalidArgument,
			"response_size %d out of range [0, %d]", req.ResponseSize, MaxResponseSize)
	}

	resp := &SimpleResponse{ReceivedPayloadSize: int32(len(req.Payload.GetBody()))}
	if req.ResponseSize > 0 {
		resp.Payload = &Payload{Body: make([]byte, req.ResponseSize)}
	} else {
		resp.Payload = req.Payload
	}
	if req.EchoMetadata {
		resp.EchoedMetadata = echoMetadata(ctx)
	}
	return resp, nil
}

// echoMetadata lists the request metadata with keys as they arrived on the
// wire. Go's MD is a map, so keys come out sorted; values keep their order.
func echoMetadata(ctx context.Context) []*MetadataEntry {
	md, ok := ttrpc.GetMetadata(ctx)
	if !ok {
		return nil
	}
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	var entries []*MetadataEntry
	for _, k := range keys {
		for _, v := range md[k] {
			entries = append(entries, &MetadataEntry{Key: k, Value: v})
		}
	}
	return entries
}

func sleepCall(ctx context.Context, req *SleepRequest) (*SleepResponse, error) {
	if req.SleepMillis < 0 {
		return nil, status.Errorf(codes.InvalidArgument, "sleep_millis %d is negative", req.SleepMillis)
	}

	resp := &SleepResponse{}
	if deadline, ok := ctx.Deadline(); ok {
		resp.DeadlineSeen = true
		resp.DeadlineRemainingMillis = time.Until(deadline).Milliseconds()
	}

	timer := time.NewTimer(time.Duration(req.SleepMillis) * time.Millisecond)
	defer timer.Stop()
	select {
	case <-timer.C:
		return resp, nil
	case <-ctx.Done():
		// ttrpc turns context.DeadlineExceeded into 4 DEADLINE_EXCEEDED.
		return nil, ctx.Err()
	}
}
