// Command interop-server serves ttrpc.interop.TestService with Go ttrpc on a
// Unix socket, accepting only clients of the same user (as containerd shims do).
//
// Once it listens it prints "READY <address>" on stdout. SIGINT or SIGTERM shut
// it down and remove the socket.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/containerd/ttrpc"

	"ttrpcinterop/interop"
)

func main() {
	address := flag.String("address", "", "address to listen on, unix:///PATH")
	flag.Parse()
	if *address == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := serve(*address); err != nil {
		fmt.Fprintf(os.Stderr, "interop-server: %v\n", err)
		os.Exit(1)
	}
}

func serve(address string) error {
	path, err := interop.SocketPath(address)
	if err != nil {
		return err
	}
	if err := removeStaleSocket(path); err != nil {
		return err
	}
	listener, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	defer os.Remove(path)

	server, err := ttrpc.NewServer(ttrpc.WithServerHandshaker(ttrpc.UnixSocketRequireSameUser()))
	if err != nil {
		return err
	}
	interop.RegisterTestService(server)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	served := make(chan error, 1)
	go func() { served <- server.Serve(context.Background(), listener) }()
	fmt.Printf("READY %s\n", address)

	select {
	case err := <-served:
		return err
	case <-signals:
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := server.Shutdown(ctx); err != nil {
			server.Close()
		}
		if err := <-served; err != nil && !errors.Is(err, ttrpc.ErrServerClosed) {
			return err
		}
		return nil
	}
}

// removeStaleSocket removes a socket file left by an earlier run. Anything
// else at that path is left alone: it is not ours to delete.
func removeStaleSocket(path string) error {
	info, err := os.Lstat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case info.Mode()&os.ModeSocket == 0:
		return fmt.Errorf("%s exists and is not a socket", path)
	default:
		return os.Remove(path)
	}
}
