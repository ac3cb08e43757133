// The console: a line-editing terminal on the UART, and the `console`
// device file (major CONSOLE) that user programs read and write.
#pragma once

namespace kernel {

void consoleinit();
void consputc(int c);    // kernel output; never sleeps
void consoleintr(int c); // a character arrived (UART interrupt context)

} // namespace kernel
