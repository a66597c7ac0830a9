// Package imagebuild assembles the OCI images of the platform's binaries
// without a container engine: a minimal base layer made here (CA
// certificates, a non-root user, /tmp), one layer with a statically linked
// binary and its SPDX SBOM, and an image index per component with one image
// per platform, written as an OCI image layout.
//
// Nothing is pulled: every byte of an image comes from local files, and every
// time stamp is the one given in Metadata (the commit time), so the same
// inputs give the same digests.
package imagebuild
