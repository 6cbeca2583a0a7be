// R04: Go busy loops on GOMAXPROCS(64) goroutines; never ends on its own.
package main

import (
	"fmt"
	"runtime"
)

func main() {
	runtime.GOMAXPROCS(64)
	fmt.Println("goroutines: 64")
	for i := 0; i < 63; i++ {
		go func() {
			n := 0
			for {
				n++
			}
		}()
	}
	n := 0
	for {
		n++
	}
}
