# Warnings every certkeep target builds with.
function(certkeep_enable_warnings target)
  # -Wno-missing-field-initializers: the code names fields with designated initializers and
  # leaves the rest to their defaults on purpose; GCC 12 still warns about each omitted one.
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
    -Wno-missing-field-initializers)
endfunction()
