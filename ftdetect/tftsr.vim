" Log files (the TFTSR server's default globs) get filetype `log`, unless something else already
" set one: lsp/tftsr.lua (vim.lsp.enable) and require('tftsr').setup{} attach to that filetype.
autocmd BufNewFile,BufRead *.log,*.log.[0-9]*,*.out setfiletype log
