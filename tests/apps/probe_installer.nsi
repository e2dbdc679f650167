; An NSIS installer for the win32 tests: installs the probe into Program
; Files; `makensis -DHANG` makes one that never finishes (time-limit test).
; A 64-bit installer (Debian's nsis has the amd64 stubs), so it runs where
; Wine is 64-bit only.
Target amd64-unicode
Name "VMI Probe Setup"
OutFile "${OUT}"
InstallDir "$PROGRAMFILES64\VMI Probe"
RequestExecutionLevel admin
Section
  SetOutPath "$INSTDIR"
  File "/oname=probe.exe" "${PROBE}"
  WriteUninstaller "$INSTDIR\uninstall.exe"
SectionEnd
Section "Uninstall"
  Delete "$INSTDIR\probe.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
SectionEnd
!ifdef HANG
Function .onInit
  Sleep 600000
FunctionEnd
!endif
