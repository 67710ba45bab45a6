// Package interop holds the Go side of the ttRPC interop tests: the messages of
// ttrpc.interop.TestService (conformance/src/main/proto/ttrpc/interop/test.proto),
// a server implementing the unary methods, a typed client and the test cases.
//
// Go ttrpc 1.1.1 marshals with the gogo protobuf runtime, which encodes any
// struct whose fields carry `protobuf:"..."` tags. No code generator for it is
// packaged in Debian, so the structs below are written by hand; the field
// numbers and types must match test.proto exactly. Only the messages of the
// unary methods are here: Go ttrpc 1.1.1 cannot stream.
package interop

import "github.com/gogo/protobuf/proto"

// Empty is ttrpc.interop.Empty.
type Empty struct{}

func (m *Empty) Reset()         { *m = Empty{} }
func (m *Empty) String() string { return proto.CompactTextString(m) }
func (*Empty) ProtoMessage()    {}

// Payload is ttrpc.interop.Payload.
type Payload struct {
	Body []byte `protobuf:"bytes,1,opt,name=body,proto3"`
}

func (m *Payload) Reset()         { *m = Payload{} }
func (m *Payload) String() string { return proto.CompactTextString(m) }
func (*Payload) ProtoMessage()    {}

// GetBody returns the body, or nil when m is nil.
func (m *Payload) GetBody() []byte {
	if m == nil {
		return nil
	}
	return m.Body
}

// EchoStatus is ttrpc.interop.EchoStatus.
type EchoStatus struct {
	Code    int32  `protobuf:"varint,1,opt,name=code,proto3"`
	Message string `protobuf:"bytes,2,opt,name=message,proto3"`
}

func (m *EchoStatus) Reset()         { *m = EchoStatus{} }
func (m *EchoStatus) String() string { return proto.CompactTextString(m) }
func (*EchoStatus) ProtoMessage()    {}

// MetadataEntry is ttrpc.interop.MetadataEntry.
type MetadataEntry struct {
	Key   string `protobuf:"bytes,1,opt,name=key,proto3"`
	Value string `protobuf:"bytes,2,opt,name=value,proto3"`
}

func (m *MetadataEntry) Reset()         { *m = MetadataEntry{} }
func (m *MetadataEntry) String() string { return proto.CompactTextString(m) }
func (*MetadataEntry) ProtoMessage()    {}

// SimpleRequest is ttrpc.interop.SimpleRequest.
type SimpleRequest struct {
	ResponseSize   int32       `protobuf:"varint,1,opt,name=response_size,json=responseSize,proto3"`
	Payload        *Payload    `protobuf:"bytes,2,opt,name=payload,proto3"`
	ResponseStatus *EchoStatus `protobuf:"bytes,3,opt,name=response_status,json=responseStatus,proto3"`
	EchoMetadata   bool        `protobuf:"varint,4,opt,name=echo_metadata,json=echoMetadata,proto3"`
}

func (m *SimpleRequest) Reset()         { *m = SimpleRequest{} }
func (m *SimpleRequest) String() string { return proto.CompactTextString(m) }
func (*SimpleRequest) ProtoMessage()    {}

// SimpleResponse is ttrpc.interop.SimpleResponse.
type SimpleResponse struct {
	Payload             *Payload         `protobuf:"bytes,1,opt,name=payload,proto3"`
	EchoedMetadata      []*MetadataEntry `protobuf:"bytes,2,rep,name=echoed_metadata,json=echoedMetadata,proto3"`
	ReceivedPayloadSize int32            `protobuf:"varint,3,opt,name=received_payload_size,json=receivedPayloadSize,proto3"`
}

func (m *SimpleResponse) Reset()         { *m = SimpleResponse{} }
func (m *SimpleResponse) String() string { return proto.CompactTextString(m) }
func (*SimpleResponse) ProtoMessage()    {}

// SleepRequest is ttrpc.interop.SleepRequest.
type SleepRequest struct {
	SleepMillis int64 `protobuf:"varint,1,opt,name=sleep_millis,json=sleepMillis,proto3"`
}

func (m *SleepRequest) Reset()         { *m = SleepRequest{} }
func (m *SleepRequest) String() string { return proto.CompactTextString(m) }
func (*SleepRequest) ProtoMessage()    {}

// SleepResponse is ttrpc.interop.SleepResponse.
type SleepResponse struct {
	DeadlineSeen            bool  `protobuf:"varint,1,opt,name=deadline_seen,json=deadlineSeen,proto3"`
	DeadlineRemainingMillis int64 `protobuf:"varint,2,opt,name=deadline_remaining_millis,json=deadlineRemainingMillis,proto3"`
}

func (m *SleepResponse) Reset()         { *m = SleepResponse{} }
func (m *SleepResponse) String() string { return proto.CompactTextString(m) }
func (*SleepResponse) ProtoMessage()    {}
