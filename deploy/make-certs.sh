#!/usr/bin/env bash
# Certificates for the ledger's etcd (deploy/etcd) and for its clients, made with openssl:
#   ca.crt ca.key         the ledger's own CA
#   server.crt server.key  every member's serving and peer certificate: the client Service, each
#                          member's name under the headless Service, and localhost/127.0.0.1 for
#                          `kubectl port-forward` from an operator's machine
#   client.crt client.key  the functions' and operators' client certificate, with no CommonName:
#                          etcd's JSON gateway refuses one that has a CN once auth is enabled
# Usage: deploy/make-certs.sh OUT_DIR [NAMESPACE] [DAYS]
set -euo pipefail
out=${1:?usage: make-certs.sh OUT_DIR [NAMESPACE] [DAYS]}
ns=${2:-netpipe-ledger}
days=${3:-365}
mkdir -p "$out"
cd "$out"
san="DNS:netpipe-ledger.$ns.svc,DNS:netpipe-ledger.$ns.svc.cluster.local"
san="$san,DNS:*.netpipe-ledger-peers.$ns.svc,DNS:*.netpipe-ledger-peers.$ns.svc.cluster.local"
san="$san,DNS:localhost,IP:127.0.0.1"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days "$days" -subj "/O=netpipe/CN=netpipe-ledger-ca" 2>/dev/null
openssl req "${ec[@]}" -keyout server.key -out server.csr -subj "/O=netpipe/CN=netpipe-ledger" 2>/dev/null
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$san" > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days "$days" -extfile server.ext 2>/dev/null
openssl req "${ec[@]}" -keyout client.key -out client.csr -subj "/O=netpipe" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days "$days" -extfile client.ext 2>/dev/null
rm -f server.csr client.csr server.ext client.ext ca.srl
chmod 600 ./*.key
echo "made ca.crt server.crt client.crt (and keys) in $out for namespace $ns"
