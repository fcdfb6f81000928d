// Command apiserver runs a real Kubernetes API server for capiform's tests: an embedded etcd
// and kube-apiserver (both from their own Go modules, in this one process), on 127.0.0.1 only,
// with a certificate authority made at start.
//
//	apiserver DIR
//
// DIR receives pki/ (the CA, the serving certificate the webhook servers share, an admin
// client certificate in the group system:masters), etcd/ (the data) and, once the API server
// answers /readyz, kubeconfig. The process runs until SIGTERM or SIGINT.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: apiserver DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "apiserver:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	pki, err := writePKI(filepath.Join(dir, "pki"))
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	etcdClient, etcdPeer, apiPort := ports[0], ports[1], ports[2]

	etcd, err := startEtcd(filepath.Join(dir, "etcd"), filepath.Join(dir, "etcd.log"), etcdClient, etcdPeer)
	if err != nil {
		return fmt.Errorf("etcd: %w", err)
	}
	defer etcd.Close()
	fmt.Fprintf(os.Stderr, "apiserver: etcd ready on 127.0.0.1:%d\n", etcdClient)

	go writeKubeconfigWhenReady(dir, pki, apiPort)
	go stopWhenRemoved(dir)

	cmd := app.NewAPIServerCommand()
	cmd.SetArgs(apiServerFlags(pki, etcdClient, apiPort))
	return cmd.Execute()
}

// apiServerFlags are kube-apiserver's flags: loopback only, client certificates of the harness
// CA, RBAC, and nothing that would reach beyond this machine.
func apiServerFlags(pki pkiFiles, etcdPort, apiPort int) []string {
	return []string{
		"--etcd-servers=http://127.0.0.1:" + strconv.Itoa(etcdPort),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(apiPort),
		"--tls-cert-file=" + pki.ServingCert,
		"--tls-private-key-file=" + pki.ServingKey,
		"--client-ca-file=" + pki.CACert,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + pki.ServiceAccountKey,
		"--service-account-signing-key-file=" + pki.ServiceAccountKey,
		"--service-cluster-ip-range=10.96.0.0/24",
		"--authorization-mode=RBAC",
		// The "kubernetes" Service cannot point at a loopback address; no pod needs it here.
		"--endpoint-reconciler-type=none",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--v=0",
	}
}

func startEtcd(dataDir, logFile string, clientPort, peerPort int) (*embed.Etcd, error) {
	cfg := embed.NewConfig()
	cfg.Name = "capiform-test"
	cfg.Dir = dataDir
	client := url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(clientPort)}
	peer := url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(peerPort)}
	cfg.ListenClientUrls = []url.URL{client}
	cfg.AdvertiseClientUrls = []url.URL{client}
	cfg.ListenPeerUrls = []url.URL{peer}
	cfg.AdvertisePeerUrls = []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.LogOutputs = []string{logFile}
	cfg.LogLevel = "warn"
	// Test data: losing it on a power cut is fine, waiting for the disk on every write is not.
	cfg.UnsafeNoFsync = true
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, nil
	case err := <-e.Err():
		e.Close()
		return nil, err
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, fmt.Errorf("not ready after 60s (see %s)", logFile)
	}
}

// writeKubeconfigWhenReady polls /readyz with the admin certificate and, once it answers ok,
// writes DIR/kubeconfig (atomically: its presence means the API server is ready).
func writeKubeconfigWhenReady(dir string, pki pkiFiles, port int) {
	server := "https://127.0.0.1:" + strconv.Itoa(port)
	client, err := adminHTTPClient(pki)
	if err != nil {
		fmt.Fprintln(os.Stderr, "apiserver: admin client:", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for ctx.Err() == nil {
		resp, err := client.Get(server + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "apiserver: /readyz not ok after 5 minutes")
		os.Exit(1)
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := writeFileAtomic(path, kubeconfig(server, pki), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "apiserver: kubeconfig:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "apiserver: ready on %s, kubeconfig %s\n", server, path)
}

func adminHTTPClient(pki pkiFiles) (*http.Client, error) {
	cert, err := tls.LoadX509KeyPair(pki.AdminCert, pki.AdminKey)
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(pki.CACert)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	return &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			RootCAs:      roots,
		}},
	}, nil
}

// freePorts asks the kernel for n distinct free ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// stopWhenRemoved stops the process (as SIGTERM does) once dir is gone: a test that deleted its
// temporary folder without `scripts/test-apiserver stop` leaves no server behind.
func stopWhenRemoved(dir string) {
	for {
		time.Sleep(2 * time.Second)
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			fmt.Fprintf(os.Stderr, "apiserver: %s removed, stopping\n", dir)
			_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
			return
		}
	}
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
