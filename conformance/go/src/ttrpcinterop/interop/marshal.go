package interop

// Size, marshal and unmarshal methods for the messages of UnaryCall, of the
// kind gogo protobuf's marshaler/unmarshaler plugins generate (and that the
// message types containerd passes through ttrpc have). gogo's proto.Marshal and
// proto.Unmarshal use them through the XXX_Size/XXX_Marshal/XXX_Unmarshal
// methods instead of walking the struct tags by reflection, so the Go side of
// the benchmark costs what Go ttrpc costs in production. Fields are written in
// field-number order and zero values are left out, as the tags' encoding does;
// messages_test.go pins both paths to the same bytes.

import (
	"errors"
	"fmt"
	"io"
	"math/bits"
)

var errTruncated = io.ErrUnexpectedEOF

func sizeVarint(v uint64) int {
	return (bits.Len64(v|1) + 6) / 7
}

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func sizeBytesField(n int) int {
	return 1 + sizeVarint(uint64(n)) + n
}

func appendBytesField(b []byte, tag byte, p []byte) []byte {
	b = append(b, tag)
	b = appendVarint(b, uint64(len(p)))
	return append(b, p...)
}

func appendStringField(b []byte, tag byte, s string) []byte {
	b = append(b, tag)
	b = appendVarint(b, uint64(len(s)))
	return append(b, s...)
}

// decoder reads protobuf fields from a byte slice.
type decoder struct {
	data []byte
	pos  int
}

func (d *decoder) more() bool { return d.pos < len(d.data) }

func (d *decoder) varint() (uint64, error) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if d.pos >= len(d.data) {
			return 0, errTruncated
		}
		c := d.data[d.pos]
		d.pos++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, errors.New("proto: varint overflows 64 bits")
}

// key reads a field key: field number and wire type.
func (d *decoder) key() (int, int, error) {
	k, err := d.varint()
	if err != nil {
		return 0, 0, err
	}
	if k>>3 == 0 || k>>3 > 1<<29-1 {
		return 0, 0, fmt.Errorf("proto: illegal field number %d", k>>3)
	}
	return int(k >> 3), int(k & 7), nil
}

// bytes reads a length-delimited field's content, without copying.
func (d *decoder) bytes() ([]byte, error) {
	n, err := d.varint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(d.data)-d.pos) {
		return nil, errTruncated
	}
	p := d.data[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return p, nil
}

// skip passes over a field the message does not know.
func (d *decoder) skip(wireType int) error {
	switch wireType {
	case 0:
		_, err := d.varint()
		return err
	case 1, 5:
		n := 8
		if wireType == 5 {
			n = 4
		}
		if len(d.data)-d.pos < n {
			return errTruncated
		}
		d.pos += n
		return nil
	case 2:
		_, err := d.bytes()
		return err
	default:
		return fmt.Errorf("proto: unsupported wire type %d", wireType)
	}
}

func wrongType(msg string, field, wireType int) error {
	return fmt.Errorf("proto: %s field %d has wire type %d", msg, field, wireType)
}

// Payload

func (m *Payload) XXX_Size() int {
	if m == nil || len(m.Body) == 0 {
		return 0
	}
	return sizeBytesField(len(m.Body))
}

func (m *Payload) XXX_Marshal(b []byte, _ bool) ([]byte, error) {
	return m.appendTo(b), nil
}

func (m *Payload) appendTo(b []byte) []byte {
	if len(m.Body) > 0 {
		b = appendBytesField(b, 0x0a, m.Body)
	}
	return b
}

func (m *Payload) XXX_Unmarshal(data []byte) error {
	d := decoder{data: data}
	for d.more() {
		field, wireType, err := d.key()
		if err != nil {
			return err
		}
		if field == 1 {
			if wireType != 2 {
				return wrongType("Payload", field, wireType)
			}
			p, err := d.bytes()
			if err != nil {
				return err
			}
			// Copy, as generated code does: the input may be a reused read buffer.
			m.Body = append(m.Body[:0], p...)
			continue
		}
		if err := d.skip(wireType); err != nil {
			return err
		}
	}
	return nil
}

// EchoStatus

func (m *EchoStatus) XXX_Size() int {
	n := 0
	if m.Code != 0 {
		n += 1 + sizeVarint(uint64(int64(m.Code)))
	}
	if len(m.Message) > 0 {
		n += sizeBytesField(len(m.Message))
	}
	return n
}

func (m *EchoStatus) XXX_Marshal(b []byte, _ bool) ([]byte, error) {
	return m.appendTo(b), nil
}

func (m *EchoStatus) appendTo(b []byte) []byte {
	if m.Code != 0 {
		b = append(b, 0x08)
		b = appendVarint(b, uint64(int64(m.Code)))
	}
	if len(m.Message) > 0 {
		b = appendStringField(b, 0x12, m.Message)
	}
	return b
}

func (m *EchoStatus) XXX_Unmarshal(data []byte) error {
	d := decoder{data: data}
	for d.more() {
		field, wireType, err := d.key()
		if err != nil {
			return err
		}
		switch {
		case field == 1 && wireType == 0:
			v, err := d.varint()
			if err != nil {
				return err
			}
			m.Code = int32(v)
		case field == 2 && wireType == 2:
			p, err := d.bytes()
			if err != nil {
				return err
			}
			m.Message = string(p)
		case field == 1 || field == 2:
			return wrongType("EchoStatus", field, wireType)
		default:
			if err := d.skip(wireType); err != nil {
				return err
			}
		}
	}
	return nil
}

// MetadataEntry

func (m *MetadataEntry) XXX_Size() int {
	n := 0
	if len(m.Key) > 0 {
		n += sizeBytesField(len(m.Key))
	}
	if len(m.Value) > 0 {
		n += sizeBytesField(len(m.Value))
	}
	return n
}

func (m *MetadataEntry) XXX_Marshal(b []byte, _ bool) ([]byte, error) {
	return m.appendTo(b), nil
}

func (m *MetadataEntry) appendTo(b []byte) []byte {
	if len(m.Key) > 0 {
		b = appendStringField(b, 0x0a, m.Key)
	}
	if len(m.Value) > 0 {
		b = appendStringField(b, 0x12, m.Value)
	}
	return b
}

func (m *MetadataEntry) XXX_Unmarshal(data []byte) error {
	d := decoder{data: data}
	for d.more() {
		field, wireType, err := d.key()
		if err != nil {
			return err
		}
		switch {
		case (field == 1 || field == 2) && wireType == 2:
			p, err := d.bytes()
			if err != nil {
				return err
			}
			if field == 1 {
				m.Key = string(p)
			} else {
				m.Value = string(p)
			}
		case field == 1 || field == 2:
			return wrongType("MetadataEntry", field, wireType)
		default:
			if err := d.skip(wireType); err != nil {
				return err
			}
		}
	}
	return nil
}

// SimpleRequest

func (m *SimpleRequest) XXX_Size() int {
	n := 0
	if m.ResponseSize != 0 {
		n += 1 + sizeVarint(uint64(int64(m.ResponseSize)))
	}
	if m.Payload != nil {
		n += sizeBytesField(m.Payload.XXX_Size())
	}
	if m.ResponseStatus != nil {
		n += sizeBytesField(m.ResponseStatus.XXX_Size())
	}
	if m.EchoMetadata {
		n += 2
	}
	return n
}

func (m *SimpleRequest) XXX_Marshal(b []byte, _ bool) ([]byte, error) {
	if m.ResponseSize != 0 {
		b = append(b, 0x08)
		b = appendVarint(b, uint64(int64(m.ResponseSize)))
	}
	if m.Payload != nil {
		b = append(b, 0x12)
		b = appendVarint(b, uint64(m.Payload.XXX_Size()))
		b = m.Payload.appendTo(b)
	}
	if m.ResponseStatus != nil {
		b = append(b, 0x1a)
		b = appendVarint(b, uint64(m.ResponseStatus.XXX_Size()))
		b = m.ResponseStatus.appendTo(b)
	}
	if m.EchoMetadata {
		b = append(b, 0x20, 1)
	}
	return b, nil
}

func (m *SimpleRequest) XXX_Unmarshal(data []byte) error {
	d := decoder{data: data}
	for d.more() {
		field, wireType, err := d.key()
		if err != nil {
			return err
		}
		switch {
		case field == 1 && wireType == 0:
			v, err := d.varint()
			if err != nil {
				return err
			}
			m.ResponseSize = int32(v)
		case field == 2 && wireType == 2:
			p, err := d.bytes()
			if err != nil {
				return err
			}
			if m.Payload == nil {
				m.Payload = &Payload{}
			}
			if err := m.Payload.XXX_Unmarshal(p); err != nil {
				return err
			}
		case field == 3 && wireType == 2:
			p, err := d.bytes()
			if err != nil {
				return err
			}
			if m.ResponseStatus == nil {
				m.ResponseStatus = &EchoStatus{}
			}
			if err := m.ResponseStatus.XXX_Unmarshal(p); err != nil {
				return err
			}
		case field == 4 && wireType == 0:
			v, err := d.varint()
			if err != nil {
				return err
			}
			m.EchoMetadata = v != 0
		case field >= 1 && field <= 4:
			return wrongType("SimpleRequest", field, wireType)
		default:
			if err := d.skip(wireType); err != nil {
				return err
			}
		}
	}
	return nil
}

// SimpleResponse

func (m *SimpleResponse) XXX_Size() int {
	n := 0
	if m.Payload != nil {
		n += sizeBytesField(m.Payload.XXX_Size())
	}
	for _, e := range m.EchoedMetadata {
		n += sizeBytesField(e.XXX_Size())
	}
	if m.ReceivedPayloadSize != 0 {
		n += 1 + sizeVarint(uint64(int64(m.ReceivedPayloadSize)))
	}
	return n
}

func (m *SimpleResponse) XXX_Marshal(b []byte, _ bool) ([]byte, error) {
	if m.Payload != nil {
		b = append(b, 0x0a)
		b = appendVarint(b, uint64(m.Payload.XXX_Size()))
		b = m.Payload.appendTo(b)
	}
	for _, e := range m.EchoedMetadata {
		b = append(b, 0x12)
		b = appendVarint(b, uint64(e.XXX_Size()))
		b = e.appendTo(b)
	}
	if m.ReceivedPayloadSize != 0 {
		b = append(b, 0x18)
		b = appendVarint(b, uint64(int64(m.ReceivedPayloadSize)))
	}
	return b, nil
}

func (m *SimpleResponse) XXX_Unmarshal(data []byte) error {
	d := decoder{data: data}
	for d.more() {
		field, wireType, err := d.key()
		if err != nil {
			return err
		}
		switch {
		case field == 1 && wireType == 2:
			p, err := d.bytes()
			if err != nil {
				return err
			}
			if m.Payload == nil {
				m.Payload = &Payload{}
			}
			if err := m.Payload.XXX_Unmarshal(p); err != nil {
				return err
			}
		case field == 2 && wireType == 2:
			p, err := d.bytes()
			if err != nil {
				return err
			}
			e := &MetadataEntry{}
			if err := e.XXX_Unmarshal(p); err != nil {
				return err
			}
			m.EchoedMetadata = append(m.EchoedMetadata, e)
		case field == 3 && wireType == 0:
			v, err := d.varint()
			if err != nil {
				return err
			}
			m.ReceivedPayloadSize = int32(v)
		case field >= 1 && field <= 3:
			return wrongType("SimpleResponse", field, wireType)
		default:
			if err := d.skip(wireType); err != nil {
				return err
			}
		}
	}
	return nil
}
