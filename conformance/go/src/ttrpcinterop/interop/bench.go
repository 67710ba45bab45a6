package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sort"
	"sync"
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

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		measureFrom = time.Now().Add(cfg.Warmup)
		stopAt      = measureFrom.Add(cfg.Duration)
		wg          sync.WaitGroup
		mu          sync.Mutex
		latencies   []time.Duration
		firstErr    error
	)
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func(client *Client) {
			defer wg.Done()
			var mine []time.Duration
			for {
				start := time.Now()
				if !start.Before(stopAt) || ctx.Err() != nil {
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
					cancel()
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
