# certkeep_precompile_common_headers(target [extra headers...]): the standard headers nearly
# every certkeep file includes, plus the Result type, parsed once per target instead of once
# per file. Off with -DCERTKEEP_PCH=OFF (which also proves no file leans on the PCH for an
# include it forgot).
function(certkeep_precompile_common_headers target)
  if(NOT CERTKEEP_PCH)
    return()
  endif()
  target_precompile_headers(${target} PRIVATE
    <algorithm> <chrono> <filesystem> <functional> <map> <memory> <optional> <string>
    <string_view> <vector> ${PROJECT_SOURCE_DIR}/include/certkeep/result.hpp ${ARGN})
endfunction()
