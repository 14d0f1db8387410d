//go:build !linux

package echo

import "errors"

// parker is a stand-in: parking needs epoll, so ParkIdle has no effect here.
type parker struct{}

func newParker(*Server) (*parker, error) { return nil, nil }
func (p *parker) stop()                  {}
func (p *parker) park(*conn) error       { return errClosing }
func (p *parker) forget(*conn)           {}

var errClosing = errors.New("echo: server closing")
