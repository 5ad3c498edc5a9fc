//! Packet capture: every packet the switch delivers, written to a pcap file
//! (raw IPv4 link type) by a writer thread, so the packet path only copies
//! the bytes into a channel.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::DataLink;

enum Record {
    Packet(std::time::Duration, Box<[u8]>),
    Stop,
}

/// The sending side of a capture; cheap to clone.
#[derive(Clone, Debug)]
pub struct Capture {
    tx: mpsc::Sender<Record>,
}

/// The writer thread; joining it flushes the file.
pub struct CaptureWriter {
    stop: mpsc::Sender<Record>,
    thread: Option<JoinHandle<io::Result<u64>>>,
}

impl Capture {
    /// Creates `path` and starts its writer thread.
    pub fn create(path: &Path) -> io::Result<(Capture, CaptureWriter)> {
        let file = BufWriter::new(File::create(path)?);
        let header = PcapHeader { datalink: DataLink::RAW, ..Default::default() };
        let mut writer = PcapWriter::with_header(file, header).map_err(io::Error::other)?;
        let (tx, rx) = mpsc::channel::<Record>();
        let thread = std::thread::Builder::new().name("quiesce-pcap".into()).spawn(move || {
            let mut count = 0;
            for record in rx {
                let Record::Packet(ts, data) = record else { break };
                let packet = PcapPacket::new(ts, data.len() as u32, &data);
                writer.write_packet(&packet).map_err(io::Error::other)?;
                count += 1;
            }
            io::Write::flush(&mut writer.into_writer())?;
            Ok(count)
        })?;
        Ok((Capture { tx: tx.clone() }, CaptureWriter { stop: tx, thread: Some(thread) }))
    }

    /// Queues one packet with the current wall-clock time.
    pub fn record(&self, packet: &[u8]) {
        let ts = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        // If the writer failed, capturing stops; forwarding goes on.
        let _ = self.tx.send(Record::Packet(ts, packet.into()));
    }
}

impl CaptureWriter {
    /// Writes what was queued so far, closes the file and returns how many
    /// packets it holds; packets recorded afterwards are discarded.
    pub fn finish(mut self) -> io::Result<u64> {
        let _ = self.stop.send(Record::Stop);
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("pcap writer thread panicked")),
            None => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_packets_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.pcap");
        let (capture, writer) = Capture::create(&path).unwrap();
        capture.record(&[0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 77, 0, 1, 10, 77, 0, 2]);
        capture.record(&[0x45; 20]);
        assert_eq!(writer.finish().unwrap(), 2);
        capture.record(&[0x45; 20]);
        let mut reader = pcap_file::pcap::PcapReader::new(File::open(&path).unwrap()).unwrap();
        assert_eq!(reader.header().datalink, DataLink::RAW);
        let first = reader.next_packet().unwrap().unwrap();
        assert_eq!(&first.data[12..16], &[10, 77, 0, 1]);
        assert!(reader.next_packet().unwrap().is_ok());
        assert!(reader.next_packet().is_none());
    }
}
