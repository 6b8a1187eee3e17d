# The installed system files and the Debian packages (`cpack -G DEB` in a build tree):
#   certkeep      the command, the systemd units, certkeep(1), bash and zsh completion, the
#                 config file /etc/certkeep/certkeep.toml (a conffile), /var/lib/certkeep made
#                 0700 by postinst and removed only by a purge (packaging/debian/).
#   certkeep-dev  libcertkeep, its headers, CMake package and pkg-config file.
# The man page, the completion scripts and the config file are generated from the option
# definitions by the binary just built (`certkeep manpage`, `completion`, `config template`).

set(CERTKEEP_GENERATED_DIR ${PROJECT_BINARY_DIR}/generated)
# A clean environment: the builder's CERTKEEP_* variables or config file must not shape the docs.
set(certkeep_clean_run env -i PATH=/usr/bin:/bin CERTKEEP_CONFIG=/dev/null $<TARGET_FILE:certkeep_cli>)
add_custom_command(
  OUTPUT ${CERTKEEP_GENERATED_DIR}/certkeep.1.gz ${CERTKEEP_GENERATED_DIR}/certkeep.bash
         ${CERTKEEP_GENERATED_DIR}/_certkeep ${CERTKEEP_GENERATED_DIR}/certkeep.toml
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CERTKEEP_GENERATED_DIR}
  COMMAND ${certkeep_clean_run} manpage > ${CERTKEEP_GENERATED_DIR}/certkeep.1
  COMMAND gzip -9nf ${CERTKEEP_GENERATED_DIR}/certkeep.1
  COMMAND ${certkeep_clean_run} completion bash > ${CERTKEEP_GENERATED_DIR}/certkeep.bash
  COMMAND ${certkeep_clean_run} completion zsh > ${CERTKEEP_GENERATED_DIR}/_certkeep
  COMMAND ${certkeep_clean_run} config template > ${CERTKEEP_GENERATED_DIR}/certkeep.toml
  DEPENDS certkeep_cli
  COMMENT "Generating certkeep(1), completion scripts and certkeep.toml from the option definitions"
  VERBATIM)
add_custom_target(certkeep_generated_docs ALL
  DEPENDS ${CERTKEEP_GENERATED_DIR}/certkeep.1.gz ${CERTKEEP_GENERATED_DIR}/certkeep.bash
          ${CERTKEEP_GENERATED_DIR}/_certkeep ${CERTKEEP_GENERATED_DIR}/certkeep.toml)

install(FILES ${CERTKEEP_GENERATED_DIR}/certkeep.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
install(FILES ${CERTKEEP_GENERATED_DIR}/certkeep.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
  RENAME certkeep COMPONENT runtime)
install(FILES ${CERTKEEP_GENERATED_DIR}/_certkeep DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions
  COMPONENT runtime)
install(FILES packaging/debian/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
install(FILES packaging/debian/copyright DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/certkeep-dev COMPONENT development)
# The changelog of a native package (no Debian revision), compressed without a timestamp.
add_custom_command(OUTPUT ${CERTKEEP_GENERATED_DIR}/changelog.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CERTKEEP_GENERATED_DIR}
  COMMAND gzip -9nc ${PROJECT_SOURCE_DIR}/packaging/debian/changelog > ${CERTKEEP_GENERATED_DIR}/changelog.gz
  DEPENDS ${PROJECT_SOURCE_DIR}/packaging/debian/changelog VERBATIM)
add_custom_target(certkeep_changelog ALL DEPENDS ${CERTKEEP_GENERATED_DIR}/changelog.gz)
install(FILES ${CERTKEEP_GENERATED_DIR}/changelog.gz DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
install(FILES ${CERTKEEP_GENERATED_DIR}/changelog.gz DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/certkeep-dev
  COMPONENT development)
# Units and config file: at install time, for the prefix installed to (cmake/install_system_files.cmake).
install(CODE "set(CERTKEEP_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
set(CERTKEEP_BUILD_DIR \"${PROJECT_BINARY_DIR}\")
set(CERTKEEP_UNITDIR \"${CERTKEEP_SYSTEMD_UNITDIR}\")
set(CERTKEEP_BINDIR \"${CMAKE_INSTALL_BINDIR}\")" COMPONENT runtime)
install(SCRIPT cmake/install_system_files.cmake COMPONENT runtime)

# --- cpack -G DEB --------------------------------------------------------------------------
set(CPACK_PACKAGE_NAME certkeep)
set(CPACK_PACKAGE_VENDOR "certkeep")
set(CPACK_PACKAGE_CONTACT "certkeep maintainers <certkeep@example.org>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# The install scripts see the real prefix (/usr) and DESTDIR as the staging directory,
# whatever prefix the build tree was configured with.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)
# Debian ships stripped binaries (and a 100 MB debug binary would make the package test slow);
# gzip packs faster than xz, which matters more here than the size.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime development)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/certkeep/certkeep")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME certkeep)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
# Each package's synopsis is the first line of its description, the rest its extended text
# (lines under 80 columns). A summary of its own would be put in front of both (CPackDeb adds
# any summary other than its default), so the default is kept.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "ACME client and certificate renewal service
certkeep obtains TLS certificates from any ACME (RFC 8555) CA, from its own
private CAs, or tracks ones you bring; renews them before they expire, deploys
them atomically, runs deploy hooks, hands them to HAProxy without a reload,
checks that servers serve them and exports Prometheus metrics. A systemd timer
and a notify daemon are included.")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/packaging/debian/postinst ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
  ${PROJECT_SOURCE_DIR}/packaging/debian/postrm ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME certkeep-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS
  "libssl-dev, libcurl4-openssl-dev, libsqlitecpp-dev, libsqlite3-dev, libspdlog-dev, libexpected-dev")
set(CPACK_DEBIAN_DEVELOPMENT_DESCRIPTION "certkeep library for TLS terminators (development files)
libcertkeep keeps certificates issued and renewed inside a TLS terminator and
swaps them into live TLS without a reload. This package holds the static
library, its headers, a CMake package and a pkg-config file.")
set(CPACK_COMPONENT_RUNTIME_DISPLAY_NAME "certkeep")
set(CPACK_COMPONENT_DEVELOPMENT_DISPLAY_NAME "certkeep-dev")
include(CPack)
