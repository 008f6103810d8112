/* Terminal restore on a crash, and noticing a resume after a stop. A signal handler may only call
   async-signal-safe functions, so this is C: see terminal_guard.c. */
#ifndef C_TERMINAL_GUARD_H
#define C_TERMINAL_GUARD_H

/* Call before ncurses starts: remembers the tty modes and installs the handlers. */
void tg_install(void);
/* Puts the crash handlers back as they were (the terminal was restored normally). */
void tg_remove(void);
/* True once after the process was continued (after Ctrl-Z or SIGSTOP): the screen must be drawn again. */
int tg_take_continued(void);
/* Stops the process as Ctrl-Z would, whatever handler ncurses installed; returns once it is continued. */
void tg_stop_self(void);

#endif
