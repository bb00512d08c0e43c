# Check for --enable-jit: the baseline JIT compiler written in Rust
# (Python/bjit.c, Python/jit-core).  Only this option needs cargo and rustc.
AC_MSG_CHECKING([for --enable-jit])
AC_ARG_ENABLE([jit],
              [AS_HELP_STRING([--enable-jit],
                              [build the baseline JIT compiler; needs cargo and rustc 1.80 or newer (default is no)])],
              [],
              [enable_jit=no])
AC_MSG_RESULT([$enable_jit])
AS_CASE([$enable_jit],
  [yes], [],
  [no], [],
  [AC_MSG_ERROR([invalid argument: --enable-jit=$enable_jit; expected yes or no])])
BJIT_OBJS=""
BJIT_CARGO_PROFILE="release"
BJIT_PROFILE_DIR="release"
AS_VAR_IF([enable_jit], [yes], [
  AS_VAR_IF([disable_gil], [yes],
    [AC_MSG_ERROR([--enable-jit cannot be combined with --disable-gil yet: the free-threaded build does not specialize, and the JIT compiles specialized bytecode])])
  AS_VAR_IF([enable_experimental_jit], [no], [],
    [AC_MSG_ERROR([--enable-jit cannot be combined with --enable-experimental-jit: choose one JIT compiler])])
  AS_CASE([$host],
    [x86_64-*-linux-gnu], [],
    [AC_MSG_ERROR([--enable-jit supports x86_64 Linux for now, not $host])])
  AC_PATH_PROG([CARGO], [cargo], [notfound])
  AC_PATH_PROG([RUSTC], [rustc], [notfound])
  AS_IF([test "$CARGO" = notfound || test "$RUSTC" = notfound],
    [AC_MSG_ERROR([--enable-jit needs cargo and rustc 1.80 or newer (https://rustup.rs); set CARGO and RUSTC or add them to PATH])])
  AC_MSG_CHECKING([for rustc 1.80 or newer])
  bjit_rustc_version=`"$RUSTC" --version 2>/dev/null | sed -n 's/^rustc \([[0-9]]*\)\.\([[0-9]]*\)\..*/\1 \2/p'`
  AS_IF([test -z "$bjit_rustc_version"],
    [AC_MSG_ERROR([cannot run $RUSTC --version])])
  set -- $bjit_rustc_version
  AS_IF([test "$1" -gt 1 || { test "$1" -eq 1 && test "$2" -ge 80; }],
    [AC_MSG_RESULT([$1.$2])],
    [AC_MSG_ERROR([--enable-jit needs rustc 1.80 or newer, found $1.$2])])
  AC_MSG_CHECKING([for the libraries a Rust static library needs])
  bjit_tmp=`mktemp -d`
  echo "" > "$bjit_tmp/empty.rs"
  BJIT_LIBS=`cd "$bjit_tmp" && "$RUSTC" --crate-type staticlib --crate-name bjitprobe --print native-static-libs empty.rs 2>&1 | sed -n 's/^note: native-static-libs: //p'`
  rm -rf "$bjit_tmp"
  AC_MSG_RESULT([$BJIT_LIBS])
  AS_VAR_APPEND([LIBS], [" $BJIT_LIBS"])
  AS_VAR_IF([Py_DEBUG], [true], [BJIT_CARGO_PROFILE="dev"; BJIT_PROFILE_DIR="debug"])
  AC_CHECK_TOOLS([OBJCOPY], [objcopy], [notfound])
  AS_VAR_IF([OBJCOPY], [notfound],
    [AC_MSG_ERROR([--enable-jit needs objcopy (binutils) to hide the Rust library's symbols])])
  AC_DEFINE([Py_BJIT], [1], [Define if the baseline JIT compiler (--enable-jit) is built in.])
  BJIT_OBJS="Python/bjit.o Python/bjit_core.o"
])
AC_SUBST([BJIT_OBJS])
AC_SUBST([BJIT_CARGO_PROFILE])
AC_SUBST([BJIT_PROFILE_DIR])
