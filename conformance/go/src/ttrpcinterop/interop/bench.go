package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// BenchConfig describes a closed-loop unary benchmark: Concurrency callers,
// spread over the clients, each issuing UnaryCall echoes of PayloadSize bytes
// back to back.
type BenchConfig struct {
	Concurrency int
	PayloadSize int
	Warmup      time.Duration
	Duration    time.Duration
}

// BenchResult summarises the measured phase (warm-up calls are not counted).
type BenchResult struct {
	Calls    int
	Elapsed  time.Duration
	P50, P99 time.Duration
}

// CallsPerSecond is the measured throughput.
func (r BenchResult) CallsPerSecond() float64 {
	return float64(r.Calls) / r.Elapsed.Seconds()
}

func (r BenchResult) String() string {
	return fmt.Sprintf("calls=%d elapsed=%.3fs calls_per_sec=%.0f p50_us=%d p99_us=%d",
		r.Calls, r.Elapsed.Seconds(), r.CallsPerSecond(), r.P50.Microseconds(), r.P99.Microseconds())
}

// Bench runs the benchmark. Every response is checked; the first failed or
// wrong call ends the run with an error, because throughput of failing calls
// means nothing.
func Bench(ctx context.Context, clients []*Client, cfg BenchConfig) (BenchResult, error) {
	if len(clients) == 0 || cfg.Concurrency < 1 || cfg.PayloadSize < 0 || cfg.Duration <= 0 {
		return BenchResult{}, errors.New("bench needs a client, concurrency >= 1, payload >= 0 and a positive duration")
	}
	body := make([]byte, cfg.PayloadSize)
	rand.New(rand.NewSource(1)).Read(body)
	req := &SimpleRequest{Payload: &Payload{Body: body}}

	// Callers stop on a flag rather than a cancelled context: calls run under
	// context.Background(), so Go ttrpc's dispatch selects on no extra channel and
	// no context is checked per call. A failed call ends every caller at its next
	// call, and the calls in flight then still finish.
	var (
		measureFrom = time.Now().Add(cfg.Warmup)
		stopAt      = measureFrom.Add(cfg.Duration)
		stop        int32
		wg          sync.WaitGroup
		mu          sync.Mutex
		latencies   []time.Duration
		firstErr    error
	)
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func(client *Client) {
			defer wg.Done()
			// Sized for a generous rate, so that recording a latency does not grow the slice
			// (and allocate) in the measured phase.
			mine := make([]time.Duration, 0, benchLatencyCapacity(cfg))
			for atomic.LoadInt32(&stop) == 0 {
				start := time.Now()
				if !start.Before(stopAt) {
					break
				}
				resp, err := client.UnaryCall(ctx, req)
				if err == nil && !bytes.Equal(resp.Payload.GetBody(), body) {
					err = fmt.Errorf("echoed payload differs from the %d bytes sent", len(body))
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					atomic.StoreInt32(&stop, 1)
					return
				}
				if !start.Before(measureFrom) {
					mine = append(mine, time.Since(start))
				}
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}(clients[w%len(clients)])
	}
	wg.Wait()
	// Calls started before stopAt finish after it; count the time they took.
	elapsed := time.Since(measureFrom)
	if firstErr != nil {
		return BenchResult{}, firstErr
	}
	if len(latencies) == 0 {
		return BenchResult{}, errors.New("no call completed in the measured phase")
	}

	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	return BenchResult{
		Calls:   len(latencies),
		Elapsed: elapsed,
		P50:     percentile(latencies, 50),
		P99:     percentile(latencies, 99),
	}, nil
}

// percentile uses the nearest-rank method on sorted values.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

// benchLatencyCapacity is the latencies one caller may record: its share of
// 400k calls/s over the measured phase, at most 8M entries (64 MiB).
func benchLatencyCapacity(cfg BenchConfig) int {
	n := int(400000*cfg.Duration.Seconds())/cfg.Concurrency + 1024
	if n > 8<<20 {
		n = 8 << 20
	}
	return n
}
