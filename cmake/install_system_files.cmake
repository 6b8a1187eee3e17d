# Runs at install time (install(SCRIPT)), when CMAKE_INSTALL_PREFIX is the prefix really
# installed to — /usr for the Debian package (cpack sets it, with DESTDIR as the staging
# directory), whatever the build tree was configured with:
# - the systemd units, with ExecStart naming the installed binary;
# - the config file, into /etc when the prefix is /usr (as GNUInstallDirs places sysconfdir),
#   else PREFIX/etc. An existing config file is never overwritten.
# Set by the install(CODE) before it: CERTKEEP_SOURCE_DIR, CERTKEEP_BUILD_DIR,
# CERTKEEP_UNITDIR (relative to the prefix), CERTKEEP_BINDIR (relative).
set(prefix "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" prefix "${prefix}")
if(prefix STREQUAL "/usr")
  set(sysconfdir "/etc")
else()
  set(sysconfdir "${prefix}/etc")
endif()

set(CERTKEEP_BINARY "${prefix}/${CERTKEEP_BINDIR}/certkeep")
set(staged "${CERTKEEP_BUILD_DIR}/systemd-install")
foreach(unit certkeep.service certkeep-renew.service)
  configure_file("${CERTKEEP_SOURCE_DIR}/systemd/${unit}.in" "${staged}/${unit}" @ONLY)
endforeach()
file(INSTALL "${staged}/certkeep.service" "${staged}/certkeep-renew.service"
  "${CERTKEEP_SOURCE_DIR}/systemd/certkeep-renew.timer"
  DESTINATION "${prefix}/${CERTKEEP_UNITDIR}" FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# file(INSTALL) puts DESTDIR in front of the destination by itself; the existence check must
# too. The package always gets it (its staging directory is empty).
if(NOT EXISTS "$ENV{DESTDIR}${sysconfdir}/certkeep/certkeep.toml")
  file(INSTALL "${CERTKEEP_BUILD_DIR}/generated/certkeep.toml" DESTINATION "${sysconfdir}/certkeep"
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
else()
  message(STATUS "Kept: ${sysconfdir}/certkeep/certkeep.toml (exists)")
endif()
