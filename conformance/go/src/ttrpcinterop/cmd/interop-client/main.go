// Command interop-client runs the ttRPC interop test cases, or a unary
// benchmark, with Go ttrpc against a ttrpc.interop.TestService server.
//
// Test mode prints one line per case, "PASS <case>", "SKIP <case>: <reason>"
// or "FAIL <case>: <reason>", and exits with status 1 if any case failed.
// Bench mode prints one "BENCH ..." line and exits with status 1 if any call
// failed or returned a wrong payload.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime/pprof"
	"strings"
	"time"

	"ttrpcinterop/interop"
)

type options struct {
	address     string
	testCases   string
	serverImpl  string
	listCases   bool
	caseTimeout time.Duration
	noIsolation bool

	bench       bool
	concurrency int
	payload     int
	duration    time.Duration
	warmup      time.Duration
	connections int
	cpuProfile  string
}

func main() {
	var o options
	flag.StringVar(&o.address, "address", "", "server address, unix:///PATH")
	flag.StringVar(&o.testCases, "test_case", "all", "comma-separated case names, or all (see -cases)")
	flag.StringVar(&o.serverImpl, "server_impl", interop.ServerJava,
		"implementation of the server: java, or go for Go ttrpc 1.1.1 (skips cases that would crash this client)")
	flag.BoolVar(&o.listCases, "cases", false, "list the test cases and exit")
	flag.DurationVar(&o.caseTimeout, "case_timeout", time.Minute, "time after which a case counts as failed")
	flag.BoolVar(&o.noIsolation, "no_isolation", false,
		"run cases that can crash the client in this process instead of a child process")
	flag.BoolVar(&o.bench, "bench", false, "run the unary benchmark instead of the test cases")
	flag.IntVar(&o.concurrency, "concurrency", 1, "bench: concurrent callers")
	flag.IntVar(&o.payload, "payload", 64, "bench: request (and echoed response) payload size in bytes")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "bench: measured duration")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "bench: unmeasured warm-up before the measured duration")
	flag.IntVar(&o.connections, "connections", 1, "bench: connections the callers are spread over")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "bench: write a pprof CPU profile of the whole run to this file")
	flag.Parse()
	if flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}

	if o.listCases {
		for _, c := range interop.Cases() {
			fmt.Printf("%-28s %s\n", c.Name, c.Description)
		}
		return
	}
	if o.address == "" {
		fmt.Fprintln(os.Stderr, "interop-client: -address is required")
		os.Exit(2)
	}
	if o.serverImpl != interop.ServerJava && o.serverImpl != interop.ServerGo {
		fmt.Fprintf(os.Stderr, "interop-client: -server_impl must be %s or %s, got %q\n",
			interop.ServerJava, interop.ServerGo, o.serverImpl)
		os.Exit(2)
	}

	var err error
	if o.bench {
		err = runBench(o)
	} else {
		cases, selectErr := selectCases(o.testCases)
		if selectErr != nil {
			fmt.Fprintf(os.Stderr, "interop-client: %v\n", selectErr)
			os.Exit(2)
		}
		err = runCases(o, cases)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "interop-client: %v\n", err)
		os.Exit(1)
	}
}

func selectCases(names string) ([]interop.Case, error) {
	if names == "all" {
		return interop.Cases(), nil
	}
	var cases []interop.Case
	for _, name := range strings.Split(names, ",") {
		c, ok := interop.FindCase(strings.TrimSpace(name))
		if !ok {
			return nil, fmt.Errorf("unknown test case %q (see -cases)", name)
		}
		cases = append(cases, c)
	}
	return cases, nil
}

func runCases(o options, cases []interop.Case) error {
	client, err := interop.Dial(o.address)
	if err != nil {
		return err
	}
	defer client.Close()
	env := interop.Env{Client: client, ServerImpl: o.serverImpl}

	failed := 0
	for _, c := range cases {
		var line string
		if c.Isolated && !o.noIsolation {
			line = runInChild(o, c)
		} else {
			line = resultLine(c.Name, c.Run(context.Background(), env, o.caseTimeout))
		}
		fmt.Println(line)
		if strings.HasPrefix(line, "FAIL ") {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d cases failed", failed, len(cases))
	}
	return nil
}

func resultLine(name string, err error) string {
	var skip *interop.SkipError
	switch {
	case err == nil:
		return "PASS " + name
	case errors.As(err, &skip):
		return fmt.Sprintf("SKIP %s: %s", name, skip.Reason)
	default:
		return fmt.Sprintf("FAIL %s: %s", name, oneLine(err.Error()))
	}
}

// runInChild runs one case in a child process with its own connection, so
// that a client panic (Go ttrpc 1.1.1 panics on frames over 4 MiB) is reported
// as a failure of that case rather than ending the whole run.
func runInChild(o options, c interop.Case) string {
	self, err := os.Executable()
	if err != nil {
		return resultLine(c.Name, fmt.Errorf("cannot start a child process: %w", err))
	}
	cmd := exec.Command(self,
		"-address", o.address,
		"-server_impl", o.serverImpl,
		"-case_timeout", o.caseTimeout.String(),
		"-test_case", c.Name,
		"-no_isolation")
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	runErr := cmd.Run()

	for _, line := range strings.Split(output.String(), "\n") {
		for _, verdict := range []string{"PASS ", "SKIP ", "FAIL "} {
			if line == verdict+c.Name || strings.HasPrefix(line, verdict+c.Name+": ") {
				return line
			}
		}
	}
	return resultLine(c.Name, fmt.Errorf("client process died (%v): %s", runErr, firstLines(output.String(), 3)))
}

func firstLines(s string, n int) string {
	var kept []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			kept = append(kept, line)
			if len(kept) == n {
				break
			}
		}
	}
	return strings.Join(kept, " | ")
}

func oneLine(s string) string {
	return strings.ReplaceAll(s, "\n", " | ")
}

func runBench(o options) error {
	if o.connections < 1 {
		return errors.New("-connections must be at least 1")
	}
	clients := make([]*interop.Client, o.connections)
	for i := range clients {
		c, err := interop.Dial(o.address)
		if err != nil {
			return err
		}
		defer c.Close()
		clients[i] = c
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	result, err := interop.Bench(context.Background(), clients, interop.BenchConfig{
		Concurrency: o.concurrency,
		PayloadSize: o.payload,
		Warmup:      o.warmup,
		Duration:    o.duration,
	})
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	fmt.Printf("BENCH concurrency=%d connections=%d payload=%d %s\n", o.concurrency, o.connections, o.payload, result)
	return nil
}
