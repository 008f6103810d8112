// Wide-character ncurses. Swift 6 cannot read C globals such as stdscr, LINES or COLS, nor import
// macros such as KEY_F or the shifted attribute bits, so they are wrapped here.
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <langinfo.h>
#include <ncursesw/curses.h>

static inline WINDOW *cn_stdscr(void) { return stdscr; }
static inline int cn_lines(void) { return LINES; }
static inline int cn_cols(void) { return COLS; }
static inline int cn_colors(void) { return COLORS; }
static inline int cn_color_pairs(void) { return COLOR_PAIRS; }
static inline int cn_key_f(int n) { return KEY_F(n); }
static inline mmask_t cn_all_mouse_events(void) { return ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION; }
static inline mmask_t cn_button1_pressed(void) { return BUTTON1_PRESSED; }
static inline mmask_t cn_button1_released(void) { return BUTTON1_RELEASED; }
static inline mmask_t cn_button3_pressed(void) { return BUTTON3_PRESSED; }
static inline mmask_t cn_button3_released(void) { return BUTTON3_RELEASED; }
static inline mmask_t cn_button4_pressed(void) { return BUTTON4_PRESSED; }
static inline mmask_t cn_button5_pressed(void) { return BUTTON5_PRESSED; }
static inline mmask_t cn_report_mouse_position(void) { return REPORT_MOUSE_POSITION; }
static inline int cn_get_wch(wint_t *ch) { return wget_wch(stdscr, ch); }
static inline void cn_timeout(int ms) { wtimeout(stdscr, ms); }
static inline int cn_keypad(bool on) { return keypad(stdscr, on); }
static inline int cn_key_code_yes(void) { return KEY_CODE_YES; }
static inline int cn_err(void) { return ERR; }

// term.h's macros (lines, columns, …) would clash with Swift names: declare only what is used.
extern int setupterm(const char *term, int fildes, int *errret);
/// Loads TERM's terminfo entry without taking the screen (for tigetflag/tigetstr outside the app); 0 on success.
static inline int cn_setupterm(void) { int error = 0; return setupterm(NULL, 1, &error) == OK ? 0 : -1; }
