//go:build !cgo

package lab

const cgoLinked = false
