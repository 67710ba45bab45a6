package interop

import (
	"encoding/hex"
	"reflect"
	"testing"

	"github.com/gogo/protobuf/proto"
)

// The expected bytes were produced from test.proto by protoc --encode, so they
// pin the hand-written struct tags to the schema the Java side compiles.
func TestMessagesMatchTheSchemaEncoding(t *testing.T) {
	tests := []struct {
		name string
		msg  proto.Message
		hex  string
	}{
		{"Empty", &Empty{}, ""},
		{"MetadataEntry", &MetadataEntry{Key: "a", Value: "b"}, "0a0161120162"},
		{"SimpleRequest", &SimpleRequest{
			ResponseSize:   314159,
			Payload:        &Payload{Body: []byte("ab")},
			ResponseStatus: &EchoStatus{Code: 2, Message: "x"},
			EchoMetadata:   true,
		}, "08af961312040a0261621a0508021201782001"},
		{"SimpleResponse", &SimpleResponse{
			Payload:             &Payload{Body: []byte("hi")},
			EchoedMetadata:      []*MetadataEntry{{Key: "K", Value: "v"}, {Key: "k2"}},
			ReceivedPayloadSize: 271828,
		}, "0a040a02686912060a014b12017612040a026b3218d4cb10"},
		{"SleepRequest", &SleepRequest{SleepMillis: 10000}, "08904e"},
		{"SleepResponse", &SleepResponse{DeadlineSeen: true, DeadlineRemainingMillis: -1}, "080110ffffffffffffffffff01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := proto.Marshal(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != tt.hex {
				t.Fatalf("encoded %x, want %s", got, tt.hex)
			}

			decoded := reflect.New(reflect.TypeOf(tt.msg).Elem()).Interface().(proto.Message)
			if err := proto.Unmarshal(got, decoded); err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(decoded, tt.msg) {
				t.Fatalf("decoded %v, want %v", decoded, tt.msg)
			}
		})
	}
}

func TestSocketPath(t *testing.T) {
	for address, want := range map[string]string{
		"unix:///run/x.sock": "/run/x.sock",
		"/run/x.sock":        "/run/x.sock",
		"unix://rel.sock":    "rel.sock",
	} {
		if got, err := SocketPath(address); err != nil || got != want {
			t.Errorf("SocketPath(%q) = %q, %v; want %q", address, got, err, want)
		}
	}
	for _, address := range []string{"", "unix://", "tcp://127.0.0.1:1"} {
		if got, err := SocketPath(address); err == nil {
			t.Errorf("SocketPath(%q) = %q, want an error", address, got)
		}
	}
}
