package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pkiFiles are the paths of the harness's certificates and keys (PEM).
type pkiFiles struct {
	CACert, CAKey           string
	ServingCert, ServingKey string // 127.0.0.1 and localhost: the API server and the webhook servers
	AdminCert, AdminKey     string // CN capiform-admin, O system:masters
	ServiceAccountKey       string
}

// writePKI makes a fresh CA and the certificates signed by it in dir.
func writePKI(dir string) (pkiFiles, error) {
	files := pkiFiles{
		CACert: filepath.Join(dir, "ca.crt"), CAKey: filepath.Join(dir, "ca.key"),
		ServingCert: filepath.Join(dir, "serving.crt"), ServingKey: filepath.Join(dir, "serving.key"),
		AdminCert: filepath.Join(dir, "admin.crt"), AdminKey: filepath.Join(dir, "admin.key"),
		ServiceAccountKey: filepath.Join(dir, "service-account.key"),
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return files, err
	}
	now := time.Now().Add(-time.Hour)
	caKey, err := newKey()
	if err != nil {
		return files, err
	}
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "capiform-test-ca"},
		NotBefore:             now,
		NotAfter:              now.Add(10 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return files, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return files, err
	}
	if err := writeCertAndKey(files.CACert, files.CAKey, caDER, caKey); err != nil {
		return files, err
	}
	leaves := []struct {
		cert, key string
		template  x509.Certificate
	}{
		{files.ServingCert, files.ServingKey, x509.Certificate{
			Subject:     pkix.Name{CommonName: "127.0.0.1"},
			DNSNames:    []string{"localhost"},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}},
		{files.AdminCert, files.AdminKey, x509.Certificate{
			Subject:     pkix.Name{CommonName: "capiform-admin", Organization: []string{"system:masters"}},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}},
	}
	for i, leaf := range leaves {
		key, err := newKey()
		if err != nil {
			return files, err
		}
		t := leaf.template
		t.SerialNumber = big.NewInt(int64(i + 2))
		t.NotBefore = now
		t.NotAfter = now.Add(10 * 24 * time.Hour)
		t.KeyUsage = x509.KeyUsageDigitalSignature
		der, err := x509.CreateCertificate(rand.Reader, &t, ca, &key.PublicKey, caKey)
		if err != nil {
			return files, err
		}
		if err := writeCertAndKey(leaf.cert, leaf.key, der, key); err != nil {
			return files, err
		}
	}
	saKey, err := newKey()
	if err != nil {
		return files, err
	}
	return files, writeKey(files.ServiceAccountKey, saKey)
}

func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func writeCertAndKey(certPath, keyPath string, der []byte, key *ecdsa.PrivateKey) error {
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		return err
	}
	return writeKey(keyPath, key)
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}

// kubeconfig is an admin kubeconfig for server with the certificates inlined, so that it can
// be copied elsewhere.
func kubeconfig(server string, pki pkiFiles) []byte {
	b64 := func(path string) string {
		data, err := os.ReadFile(path)
		if err != nil {
			panic(fmt.Sprintf("reading %s: %v", path, err))
		}
		return base64.StdEncoding.EncodeToString(data)
	}
	return fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: capiform-test
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: capiform-admin
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: capiform-test
  context:
    cluster: capiform-test
    user: capiform-admin
    namespace: default
current-context: capiform-test
`, server, b64(pki.CACert), b64(pki.AdminCert), b64(pki.AdminKey))
}
