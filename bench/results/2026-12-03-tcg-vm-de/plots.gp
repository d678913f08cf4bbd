set terminal pngcairo size 1100,600 noenhanced
set output "build/bench-vm2/ratios.png"
set title "time per operation / reference system (log scale; 1 = as fast)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set grid y
set key outside right
set xtics rotate by -30
set datafile missing "-"
plot for [i=2:4] "build/bench-vm2/ratios.dat" using i:xtic(1) title columnheader(i)
set output "build/bench-vm2/adaptive.png"
unset logscale y
set style data lines
set datafile separator ','
set multiplot layout 1,1 title 'forkwait: events per 10 ms interval'
set title 'btvmm-x64'
set xlabel 'ms since forkwait began'
plot for [c=3:5] '< grep ^btvmm-x64, build/bench-vm2/series.csv' using 2:c title word('x x trace_faults hidden_faults callouts', c)
unset multiplot
