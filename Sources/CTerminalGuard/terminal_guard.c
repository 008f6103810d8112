/* On a crash, the handler puts back the tty modes saved before ncurses started, writes the escape sequences
   that turn off mouse reporting and the alternate screen and show the cursor, then hands the signal to whoever
   had it before (the Swift runtime's backtracer, or the default action). */

#include "CTerminalGuard.h"
#include <signal.h>
#include <termios.h>
#include <unistd.h>
#include <string.h>

static struct termios tg_saved_tty;
static int tg_saved_tty_valid = 0;
static struct sigaction tg_previous[32];
static volatile sig_atomic_t tg_continued = 0;

static void tg_crash_handler(int sig) {
    static const char restore[] = "\033[0m\033[?1002l\033[?1000l\033[?1006l\033[?1049l\033[?25h\r\n";
    if (tg_saved_tty_valid) tcsetattr(0, TCSANOW, &tg_saved_tty);
    ssize_t ignored = write(1, restore, sizeof restore - 1);
    (void)ignored;
    sigaction(sig, &tg_previous[sig], 0);
    raise(sig);
}

static void tg_continue_handler(int sig) { (void)sig; tg_continued = 1; }

void tg_install(void) {
    static const int signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
    if (tcgetattr(0, &tg_saved_tty) == 0) tg_saved_tty_valid = 1;
    for (unsigned n = 0; n < sizeof signals / sizeof signals[0]; n++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = tg_crash_handler;
        sigemptyset(&action.sa_mask);
        sigaction(signals[n], &action, &tg_previous[signals[n]]);
    }
    struct sigaction resume;
    memset(&resume, 0, sizeof resume);
    resume.sa_handler = tg_continue_handler;
    sigemptyset(&resume.sa_mask);
    resume.sa_flags = SA_RESTART;
    sigaction(SIGCONT, &resume, 0);
}

void tg_remove(void) {
    static const int signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
    for (unsigned n = 0; n < sizeof signals / sizeof signals[0]; n++) sigaction(signals[n], &tg_previous[signals[n]], 0);
}

int tg_take_continued(void) { int was = tg_continued; tg_continued = 0; return was; }

void tg_stop_self(void) {
    struct sigaction previous, stop;
    memset(&stop, 0, sizeof stop);
    stop.sa_handler = SIG_DFL;
    sigemptyset(&stop.sa_mask);
    sigaction(SIGTSTP, &stop, &previous);
    raise(SIGTSTP);
    sigaction(SIGTSTP, &previous, 0);
}
